"""Livestreams in the seller centre: schedule a session, then sell live from the console.

GET   /seller/livestreams                       live, upcoming and past sessions of the shop
GET   /seller/livestreams/new                   the schedule form
POST  /seller/livestreams                       schedule (title, platform, url, scheduled_start,
                                                product_ids, live_price_<product_id>)
GET   /seller/livestreams/<id>                  the live console
GET   /seller/livestreams/<id>/board            the console's codes and claims (a fragment the
                                                console's script fetches every few seconds)
POST  /seller/livestreams/<id>/start|end|cancel move the session
POST  /seller/livestreams/<id>/pin              the product on screen now (product_id; empty: none)
POST  /seller/livestreams/<id>/prices           live prices (live_price_<product_id>)
POST  /seller/livestreams/<id>/claims           an order from a comment (comment, buyer_name,
                                                buyer_phone, line1, province, commune, variant_id,
                                                idempotency_key: two taps make one order)

Every change goes through services/livestreams, the services of the API's livestream calls.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError

from marketplace.blueprints.pages.forms import FORM, form_errors
from marketplace.blueprints.seller.context import for_shop_workers, shop_or_set_up
from marketplace.errors import Conflict, DomainError
from marketplace.schemas.livestreams import ClaimRequestSchema, LivestreamCreateSchema
from marketplace.services import places
from marketplace.services.livestreams import claims as livestream_claims
from marketplace.services.livestreams import desk
from marketplace.services.livestreams import feeds as livestream_feeds
from marketplace.services.livestreams import sessions as livestreams
from marketplace.services.livestreams.featured import livestream_view
from marketplace.services.orders import idempotency

PLATFORMS = (
    ("facebook", "Facebook"),
    ("tiktok", "TikTok"),
    ("youtube", "YouTube"),
    ("zalo", "Zalo"),
)
CLAIM_FIELDS = ("comment", "buyer_name", "buyer_phone", "line1", "province", "commune")
CLAIMS_SHOWN = 50
# A second tap while the first one is still being written waits for its answer this long.
DOUBLE_TAP_WAIT_SECONDS = 8.0
_PRICE = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})+$|^\d+$")

# What a service's error says, in the page's words, beside the field it is about.
CODE_MESSAGES = {
    "unknown_code": ("comment", _l("No product has this code in this livestream.")),
    "unparseable_comment": (
        "comment",
        _l("Could not read the comment. Write the code and the number, like A2 x3."),
    ),
    "variant_required": ("variant_id", _l("This product comes in several kinds: choose one.")),
    "out_of_stock": ("comment", _l("Not enough stock left for this order.")),
    "not_live": (FORM, _l("Orders are taken from comments only while the livestream is live.")),
    "unknown_province": ("province", _l("Choose the province.")),
    "unknown_commune": ("commune", _l("Not a commune or ward of this province: check the name.")),
    "own_shop": ("buyer_phone", _l("This is your own phone number.")),
    "product_unavailable": ("comment", _l("This product can no longer be bought.")),
    "shop_suspended": (FORM, _l("Your shop is suspended.")),
    "invalid_transition": (FORM, _l("This livestream cannot do that now. Reload the page.")),
    "livestream_closed": (FORM, _l("This livestream is over: it can no longer be changed.")),
    "not_featured": ("product_id", _l("This product is not in the livestream.")),
    "edit_conflict": (FORM, _l("The livestream was changed at the same time. Try again.")),
    "request_in_progress": (FORM, _l("Still saving the first tap. Reload the page in a moment.")),
}
# Field messages whose English comes with figures or names, by a piece of them.
PATTERN_MESSAGES = (
    (
        re.compile(r"^Must be lower than the product's normal price"),
        _l("Must be lower than the normal price."),
    ),
    (
        re.compile(r"^This session would already be over"),
        _l("This time is already past: give a later time."),
    ),
    (re.compile(r"^Not an active product of this shop"), _l("This product cannot be sold now.")),
    (re.compile(r"^Not a (valid )?phone number"), _l("Not a valid phone number.")),
    (re.compile(r"^Cash on delivery in Vietnam needs"), _l("Give a Vietnamese phone number.")),
    (
        re.compile(r"^(The link|This is not a valid link|A \w+ livestream link must be on)"),
        _l("Give the link of the livestream on this platform (https://…)."),
    ),
    (
        re.compile(
            r"^(Missing data for required field|Length must be between 1 and"
            r"|Shorter than minimum length 1|Field may not be null|Must not be blank|Give a name)"
        ),
        _l("Fill this in."),
    ),
    (re.compile(r"^(Must be one of|Not a valid string)"), _l("Choose one.")),
)


# --- helpers ---------------------------------------------------------------------------------


def _say(message: str) -> str:
    for pattern, said in PATTERN_MESSAGES:
        if pattern.search(message):
            return str(said)
    return _(message) if message else message


def _errors_of(exc: DomainError | ValidationError, fields: set[str]) -> dict[str, list[str]]:
    """The error in the page's language, beside its field (``_form`` when none fits)."""
    if isinstance(exc, DomainError) and exc.code in CODE_MESSAGES:
        field, message = CODE_MESSAGES[exc.code]
        if exc.code == "unparseable_comment" and exc.message != _(exc.message):
            message = _(exc.message)  # the parser's own sentence, when it is translated
        return {field if field in fields else FORM: [str(message)]}
    return form_errors(exc, fields, say=_say)


def _flat_details(details: dict, renames: dict[str, str]) -> dict:
    """Nested field errors (``shipping_address.phone``) flattened to the form's field names."""
    flat: dict = {}
    for name, value in details.items():
        if isinstance(value, dict):
            for inner, messages in _flat_details(value, renames).items():
                flat.setdefault(renames.get(f"{name}.{inner}", inner), []).extend(messages)
        else:
            flat.setdefault(renames.get(name, name), []).extend(
                value if isinstance(value, list) else [value]
            )
    return flat


def parse_price(text: str | None) -> int | None:
    """``350000``, ``350.000``, ``350,000`` or ``350 000`` → 350000; blank → None."""
    text = (text or "").strip().replace("₫", "").replace("đ", "").strip()
    if not text:
        return None
    if not _PRICE.match(text):
        raise ValueError(text)
    return int(re.sub(r"\D", "", text))


def local_input(moment: datetime | None) -> str:
    """A moment as a ``datetime-local`` value in Asia/Ho_Chi_Minh."""
    return moment.astimezone(places.LOCAL_TZ).strftime("%Y-%m-%dT%H:%M") if moment else ""


def parse_local(text: str | None) -> datetime | None:
    """A ``datetime-local`` value typed in Asia/Ho_Chi_Minh as an aware moment."""
    text = (text or "").strip()
    for layout in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=places.LOCAL_TZ)  # noqa: DTZ007
        except ValueError:
            continue
    return None


def _focus(errors: dict, order: list[str]) -> str | None:
    """The first field in error, in the form's order: the page opens on it."""
    return next((name for name in order if errors.get(name)), None)


def _shop():
    return shop_or_set_up()


# --- the list and the schedule form ----------------------------------------------------------


@for_shop_workers
def livestreams_page():
    shop, set_up = _shop()
    if set_up:
        return set_up
    sessions = desk.shop_sessions(current_user, shop)
    return render_template("seller/livestreams.html", sessions=sessions)


def _new_form(shop, values: dict, errors: dict, status: int = 200):
    products = desk.featurable_products(current_user, shop)
    return (
        render_template(
            "seller/livestream_new.html",
            platforms=PLATFORMS,
            products=products,
            values=values,
            errors=errors,
            focus=_focus(
                errors,
                ["title", "platform", "url", "scheduled_start", "product_ids"]
                + [f"live_price_{product.product_id}" for product in products],
            ),
        ),
        status,
    )


@for_shop_workers
def livestream_new():
    shop, set_up = _shop()
    if set_up:
        return set_up
    values = {"platform": "facebook", "product_ids": [], "prices": {}}
    return _new_form(shop, values, {})


@for_shop_workers
def livestream_create():
    shop, set_up = _shop()
    if set_up:
        return set_up
    form = request.form
    product_ids = [pid for pid in form.getlist("product_ids") if pid]
    values = {
        "title": form.get("title", ""),
        "platform": form.get("platform", ""),
        "url": form.get("url", "").strip(),
        "scheduled_start": form.get("scheduled_start", ""),
        "product_ids": product_ids,
        "prices": {
            key.removeprefix("live_price_"): value
            for key, value in form.items()
            if key.startswith("live_price_")
        },
    }
    errors: dict[str, list[str]] = {}
    products = []
    for product_id in product_ids:
        try:
            price = parse_price(values["prices"].get(product_id))
        except ValueError:
            errors[f"live_price_{product_id}"] = [_("Type the price in đồng, like 350000.")]
            continue
        products.append({"product_id": product_id, "live_price": price})
    start = parse_local(values["scheduled_start"])
    if start is None:
        errors["scheduled_start"] = [_("Choose the day and time.")]
    if errors:
        return _new_form(shop, values, errors, 422)
    fields = {"title", "platform", "url", "scheduled_start", "product_ids"}
    try:
        data = LivestreamCreateSchema().load(
            {
                "title": values["title"],
                "platform": values["platform"],
                "url": values["url"],
                "scheduled_start": start.isoformat(),
                "products": products,
            }
        )
        created = livestreams.create_livestream(current_user, shop.id, data)
    except (ValidationError, DomainError) as exc:
        return _new_form(shop, values, _create_errors(exc, products, fields), 422)
    return redirect(url_for("seller.livestream_console", livestream_id=created.id), 303)


def _create_errors(exc, products: list[dict], fields: set[str]) -> dict[str, list[str]]:
    details = exc.messages if isinstance(exc, ValidationError) else exc.details
    if isinstance(exc, DomainError) and exc.code in CODE_MESSAGES:
        return _errors_of(exc, fields)
    errors = _feature_errors(details, products)
    rest = (
        {k: v for k, v in details.items() if k != "products"} if isinstance(details, dict) else {}
    )
    if rest:
        for key, messages in _errors_of(ValidationError(rest), fields).items():
            errors.setdefault(key, []).extend(messages)
    return errors or _errors_of(exc, fields)


def _feature_errors(details, products: list[dict]) -> dict[str, list[str]]:
    """``products.<index>.live_price`` errors beside the product's own price field."""
    errors: dict[str, list[str]] = {}
    nested = (details or {}).get("products") if isinstance(details, dict) else None
    if isinstance(nested, list):
        errors.setdefault("product_ids", []).extend(_say(str(m)) for m in nested)
    elif isinstance(nested, dict):
        for index, problems in nested.items():
            try:
                product_id = products[int(index)]["product_id"]
            except (ValueError, IndexError):
                continue
            for name, messages in (problems or {}).items():
                key = f"live_price_{product_id}" if name == "live_price" else "product_ids"
                errors.setdefault(key, []).extend(_say(str(m)) for m in messages)
    return errors


# --- the live console ------------------------------------------------------------------------


def _board_context(livestream) -> dict:
    view = livestream_view(livestream)
    claims, stats = [], None
    if livestream.status in ("live", "ended"):
        claims, _next = livestream_claims.list_claims(
            current_user, livestream.id, limit=CLAIMS_SHOWN, cursor=None
        )
        stats = livestream_feeds.livestream_stats(current_user, livestream.id)
    return {"livestream": livestream, "view": view, "claims": claims, "stats": stats}


def _console(
    livestream,
    *,
    claim_values: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
    key: str | None = None,
):
    shop = livestream.shop
    g.seller_shop = shop  # the header names the shop of this livestream
    claimed = None
    if claim_id := request.args.get("claimed"):
        found = livestream_claims.load_claim(claim_id)
        if found is not None and found.livestream_id == livestream.id:
            claimed = found
    values = claim_values or {"province": shop.province or "", "commune": ""}
    view = livestream_view(livestream)
    province = places.find_province(values.get("province") or "")
    return (
        render_template(
            "seller/livestream_console.html",
            **_board_context(livestream),
            values=values,
            errors=errors or {},
            focus=_focus(
                errors or {},
                [*CLAIM_FIELDS[:1], "variant_id", *CLAIM_FIELDS[1:]]
                + [f"live_price_{product.product_id}" for product in view.products],
            ),
            idempotency_key=key or uuid.uuid4().hex,
            provinces=places.provinces(),
            communes=places.communes(province.code) if province else (),
            variants=desk.variant_choices(livestream),
            claimed=claimed,
            prices_open=any(name.startswith("live_price_") for name in errors or {}),
        ),
        status,
    )


@for_shop_workers
def livestream_console(livestream_id: str):
    livestream = livestreams.owned_livestream(current_user, livestream_id)
    return _console(livestream)


@for_shop_workers
def livestream_board(livestream_id: str):
    """The codes with their stock and the claims, for the console's script to swap in."""
    livestream = livestreams.owned_livestream(current_user, livestream_id)
    response = render_template("seller/_live_board.html", **_board_context(livestream))
    return response, 200, {"Cache-Control": "no-store"}


def _back(livestream_id: str, anchor: str | None = None, **args):
    """Back to the console, opened where the artisan was (``anchor``)."""
    address = url_for(
        "seller.livestream_console", livestream_id=livestream_id, _anchor=anchor, **args
    )
    return redirect(address, 303)


def _move(livestream_id: str, move: str):
    try:
        livestreams.move_livestream(current_user, livestream_id, move)
    except Conflict as exc:
        livestream = livestreams.owned_livestream(current_user, livestream_id)
        return _console(livestream, errors=_errors_of(exc, set()), status=exc.status)
    return _back(livestream_id)


@for_shop_workers
def livestream_start(livestream_id: str):
    return _move(livestream_id, "start")


@for_shop_workers
def livestream_end(livestream_id: str):
    return _move(livestream_id, "end")


@for_shop_workers
def livestream_cancel(livestream_id: str):
    return _move(livestream_id, "cancel")


@for_shop_workers
def livestream_pin(livestream_id: str):
    product_id = request.form.get("product_id") or None
    try:
        livestreams.pin_product(current_user, livestream_id, product_id)
    except DomainError as exc:
        livestream = livestreams.owned_livestream(current_user, livestream_id)
        return _console(livestream, errors=_errors_of(exc, set()), status=exc.status)
    return _back(livestream_id, "codes-title")


@for_shop_workers
def livestream_prices(livestream_id: str):
    """Change live prices (blank: none) of the products the session features."""
    livestream = livestreams.owned_livestream(current_user, livestream_id)
    entries, errors = [], {}
    # The products on show: the service keeps only active products in a featured set.
    for feature in livestream_view(livestream).products:
        field = f"live_price_{feature.product_id}"
        if field not in request.form:
            entries.append({"product_id": feature.product_id})  # kept as it is
            continue
        try:
            price = parse_price(request.form[field])
        except ValueError:
            errors[field] = [_("Type the price in đồng, like 350000.")]
            continue
        entries.append({"product_id": feature.product_id, "live_price": price})
    if not errors:
        try:
            livestreams.update_livestream(current_user, livestream_id, {"products": entries})
            return _back(livestream_id, "codes-title")
        except DomainError as exc:
            errors = _feature_errors(exc.details, entries) or _errors_of(exc, set())
            status = exc.status
    else:
        status = 422
    livestream = livestreams.owned_livestream(current_user, livestream_id)
    return _console(livestream, errors=errors, status=status)


# --- orders from comments --------------------------------------------------------------------


def _claim_request(values: dict) -> dict:
    return {
        "comment": values["comment"],
        "buyer_name": values["buyer_name"],
        "buyer_phone": values["buyer_phone"],
        "variant_id": values.get("variant_id") or None,
        "shipping_address": {
            "line1": values["line1"],
            "province": values["province"],
            "commune": values["commune"],
            "country": "VN",
        },
    }


def _hold(key: str, fingerprint: str) -> idempotency.Claim:
    """Hold the form's key, waiting a moment while a first tap with it is still being saved."""
    deadline = time.monotonic() + DOUBLE_TAP_WAIT_SECONDS
    while True:
        try:
            return idempotency.claim(current_user.id, key, fingerprint)
        except Conflict as exc:
            if exc.code != "request_in_progress" or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@for_shop_workers
def livestream_claim(livestream_id: str):
    livestream = livestreams.owned_livestream(current_user, livestream_id)
    values = {name: request.form.get(name, "").strip() for name in CLAIM_FIELDS}
    values["variant_id"] = request.form.get("variant_id", "")
    key = (request.form.get("idempotency_key") or "").strip()[: idempotency.MAX_KEY_LENGTH]
    fields = {*CLAIM_FIELDS, "variant_id"}
    renames = {
        "shipping_address.phone": "buyer_phone",
        "shipping_address.name": "buyer_name",
    }
    try:
        data = ClaimRequestSchema().load(_claim_request(values))
    except ValidationError as exc:
        errors = _errors_of(ValidationError(_flat_details(exc.messages, renames)), fields)
        return _console(livestream, claim_values=values, errors=errors, status=422, key=key)
    held = None
    try:
        if key:
            body = json.dumps(_claim_request(values), sort_keys=True).encode()
            held = _hold(key, idempotency.fingerprint("POST", request.path, body))
            if held.replay is not None:
                status, answer = held.replay
                claim_id = (answer or {}).get("id") if status == 201 else None
                return _back(livestream_id, "claim-box", claimed=claim_id)
            with idempotency.holding(held):
                claim = livestream_claims.take_claim(current_user, livestream_id, data)
            idempotency.record(held, 201, {"id": claim.id})
        else:
            claim = livestream_claims.take_claim(current_user, livestream_id, data)
    except DomainError as exc:
        if held is not None and held.replay is None:
            idempotency.release(held)  # nothing was made: the corrected form may use it again
        details = _flat_details(exc.details or {}, renames)
        if exc.code in CODE_MESSAGES or not details:
            errors = _errors_of(exc, fields)
        else:
            errors = _errors_of(ValidationError(details), fields)
        livestream = livestreams.owned_livestream(current_user, livestream_id)
        return _console(livestream, claim_values=values, errors=errors, status=exc.status, key=key)
    except Exception:
        if held is not None:
            idempotency.release_unless_made(held)
        raise
    return _back(livestream_id, "claim-box", claimed=claim.id)


def register(web) -> None:
    """Adds this module's routes to the seller blueprint."""
    web.add_url_rule("/livestreams", "livestreams", livestreams_page, methods=["GET"])
    web.add_url_rule("/livestreams", "livestream_create", livestream_create, methods=["POST"])
    web.add_url_rule("/livestreams/new", "livestream_new", livestream_new)
    web.add_url_rule("/livestreams/<livestream_id>", "livestream_console", livestream_console)
    web.add_url_rule("/livestreams/<livestream_id>/board", "livestream_board", livestream_board)
    for name, view in (
        ("start", livestream_start),
        ("end", livestream_end),
        ("cancel", livestream_cancel),
        ("pin", livestream_pin),
        ("prices", livestream_prices),
        ("claims", livestream_claim),
    ):
        web.add_url_rule(
            f"/livestreams/<livestream_id>/{name}",
            f"livestream_{name}",
            view,
            methods=["POST"],
        )
