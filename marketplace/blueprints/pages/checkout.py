"""The checkout page: the address, the way to pay, the orders it will make, then one click.

GET   /checkout     the form, from the buyer's last address; shipping per shop from the quote
POST  /checkout     "Chọn" (field ``choose``) shows the form again for the province chosen
                    (its communes, its shipping); otherwise places the checkout

The form carries a hidden ``idempotency_key`` made when it is shown: a double submit makes one
checkout (services/orders/idempotency, as the API's ``Idempotency-Key``); a second submit
waits for the first and gets its answer. It also carries the unit prices and the total the
buyer saw: a price changed meanwhile is 409 ``price_changed`` (the new prices shown, the
buyer asked again), and so is a total that moved with the address. Failures answer 422 or 409
with the form again, every value kept, each error beside its field or its line.
"""

from __future__ import annotations

import json
import time
import uuid

from babel import Locale
from flask import redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.blueprints.pages.access import signed_in
from marketplace.blueprints.pages.card import cards_on_pages
from marketplace.blueprints.pages.present import phone_text
from marketplace.errors import Conflict, DomainError
from marketplace.extensions import db
from marketplace.services import places
from marketplace.services.orders import cart as carts
from marketplace.services.orders import checkout as checkouts
from marketplace.services.orders import idempotency
from marketplace.services.phones import InvalidPhone, normalise_phone

FIELDS = ("name", "phone", "line1", "province", "commune", "country", "payment_method", "note")
LIMITS = {"name": 120, "phone": 40, "line1": 200, "province": 120, "commune": 120, "note": 1000}
PAGE_METHODS = ("cod", "bank_transfer")


def page_methods() -> tuple[str, ...]:
    """What the pages offer: cards only when Stripe.js can take them (pages/card.py)."""
    return (*PAGE_METHODS, "stripe") if cards_on_pages() else PAGE_METHODS


WAIT_FOR_FIRST_SUBMIT_SECONDS = 15


def _countries() -> list[tuple[str, str]]:
    """Every country a parcel may go to, named in the page's language; Vietnam first."""
    names = Locale.parse(str(get_locale() or "vi")).territories
    others = sorted(
        ((code, names.get(code, code)) for code in places.COUNTRY_CODES if code != "VN"),
        key=lambda pair: pair[1],
    )
    return [("VN", names.get("VN", "Việt Nam")), *others]


def _defaults(user) -> dict:
    form = dict.fromkeys(FIELDS, "")
    form.update(name=user.name or "", phone=phone_text(user.phone) if user.phone else "")
    form.update(country=places.VIETNAM, payment_method="cod")
    last = carts.last_shipping_address(user.id)
    if last:
        form.update(
            name=last.get("name") or form["name"],
            phone=phone_text(last.get("phone")) or form["phone"],
            line1=last.get("line1") or "",
            country=last.get("country") or places.VIETNAM,
        )
        if form["country"] == places.VIETNAM:
            form.update(
                province=last.get("province_code") or "", commune=last.get("commune_code") or ""
            )
        else:
            form.update(province=last.get("province") or "", commune=last.get("commune") or "")
    return form


def _typed() -> dict:
    form = {name: " ".join((request.form.get(name) or "").split()) for name in FIELDS}
    form["note"] = (request.form.get("note") or "").strip()
    for name, limit in LIMITS.items():
        form[name] = form[name][: limit + 1]
    form["country"] = (form["country"] or places.VIETNAM).upper()[:2]
    return form


def _expected_prices() -> dict[str, int]:
    prices = {}
    for key, value in request.form.items():
        if key.startswith("price_") and value.isascii() and value.isdigit() and len(value) < 13:
            prices[key.removeprefix("price_")] = int(value)
    return prices


def _quote_address(form: dict) -> dict | None:
    """Where to price shipping: in Vietnam the province chosen (or Hà Nội until then); abroad
    the address typed, once complete enough."""
    if form["country"] == places.VIETNAM:
        return carts.destination_address(form["province"])
    if form["country"] in places.COUNTRY_CODES and form["phone"] and form["province"]:
        return {**form, "line1": form["line1"] or "-", "name": form["name"] or "-"}
    return None


def _view(form: dict, expected: dict | None = None) -> carts.CartView:
    address = _quote_address(form)
    return carts.view_cart(
        current_user.id,
        carts.saved_lines(current_user.id),
        address,
        expected_prices=expected,
        priced=address is not None,
    )


def _page(form, view, *, errors=None, line_errors=None, key=None, status=200):
    if view.error is not None and not errors:
        # The quote refused this cart for this address (a shop that does not deliver there).
        errors, line_errors = _explained(view.error, view, form)
    communes = ()
    province = places.find_province(form["province"]) if form["country"] == "VN" else None
    if province is not None:
        communes = places.communes(province.code)
        form = {**form, "province": province.code}
    offered = page_methods()
    methods = [m for m in (view.quote.payment_methods if view.quote else offered) if m in offered]
    page = render_template(
        "pages/checkout.html",
        form=form,
        view=view,
        provinces=places.provinces(),
        communes=communes,
        countries=_countries(),
        methods=methods,
        errors=errors or {},
        line_errors=line_errors or {},
        idempotency_key=key or uuid.uuid4().hex,
    )
    return page, status


@signed_in
def checkout_page():
    if request.method == "POST":
        return _submit()
    form = _defaults(current_user)
    view = _view(form)
    if not view.lines:
        # Nothing that can be bought now: the cart says why.
        return redirect(url_for("pages.cart"), 303)
    return _page(form, view)


# ---------------------------------------------------------------- checking the form


def _checked(form: dict) -> tuple[dict, dict]:
    """The shipping address for the services, and the errors of the form's fields."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    vietnam = form["country"] == places.VIETNAM
    for name in ("name", "phone", "line1", "province") + (("commune",) if vietnam else ()):
        if not form[name]:
            fail(name, _("Required."))
    for name, limit in LIMITS.items():
        if len(form[name]) > limit:
            fail(name, _("At most %(n)d characters.", n=limit))
    if form["country"] not in places.COUNTRY_CODES:
        fail("country", _("Choose a country."))
    elif form["phone"]:
        try:
            normalise_phone(form["phone"], region=form["country"])
        except InvalidPhone:
            fail("phone", _("Enter a phone number that can be called in this country."))
    if vietnam and form["province"] and "province" not in errors:
        if places.find_province(form["province"]) is None:
            fail("province", _("Choose a province or city."))
        elif form["commune"]:
            province = places.find_province(form["province"])
            if len(places.commune_matches(province.code, form["commune"])) != 1:
                fail("commune", _("Choose a commune or ward of this province."))
    if form["payment_method"] not in page_methods():
        fail("payment_method", _("Choose how to pay."))
    address = {name: form[name] for name in ("name", "phone", "line1", "province", "commune")}
    address["country"] = form["country"]
    return address, errors


def _titles(view: carts.CartView, variant_ids) -> str:
    wanted = set(variant_ids)
    return ", ".join(line.title for line in view.lines if line.variant_id in wanted)


def _explained(exc: DomainError, view: carts.CartView, form: dict) -> tuple[dict, dict]:
    """A service's refusal as the form's errors (field → messages) and its lines' errors."""
    errors: dict[str, list[str]] = {}
    lines: dict[str, str] = {}
    items = (exc.details or {}).get("items")
    by_index = {index: line.variant_id for index, line in enumerate(view.lines)}
    if exc.code == "price_changed":
        for item in items or []:
            lines[item["variant_id"]] = _(
                "The price is now %(new)s (it was %(old)s).",
                new=_money(item["unit_price"]),
                old=_money(item["expected_unit_price"]),
            )
        errors["_form"] = [_("Some prices changed. Check the new prices, then order again.")]
    elif exc.code == "out_of_stock":
        for item in items or []:
            lines[item["variant_id"]] = _(
                "Only %(n)d left: lower the quantity in your cart.", n=item["available"]
            )
        names = _titles(view, lines)
        errors["_form"] = [_("Not enough in stock: %(titles)s.", titles=names)]
    elif exc.code == "product_unavailable":
        names = _titles(view, [by_index.get(item.get("index")) for item in items or []])
        errors["_form"] = [_("These can no longer be bought: %(titles)s.", titles=names)]
    elif exc.code == "payment_method_unavailable":
        if form["payment_method"] == "cod" and form["country"] != places.VIETNAM:
            errors["payment_method"] = [_("Cash on delivery is only available within Vietnam.")]
        else:
            errors["payment_method"] = [_("This way to pay is not available for this order.")]
    elif exc.code == "shipping_unavailable":
        errors["_form"] = [_("A shop in your cart does not deliver to this address.")]
    elif exc.code in ("unknown_province", "unknown_commune", "invalid_country"):
        field = {"unknown_province": "province", "unknown_commune": "commune"}.get(
            exc.code, "country"
        )
        errors[field] = [
            _("Choose a commune or ward of this province.")
            if field == "commune"
            else _("Choose a province or city.")
            if field == "province"
            else _("Choose a country.")
        ]
    elif exc.code in ("request_in_progress", "idempotency_key_reused"):
        errors["_form"] = [_("This order is already being placed. Look in My orders in a moment.")]
    elif exc.code == "totals_changed":
        errors["_form"] = [_("The total changed with the address. Check it, then order again.")]
    elif exc.status == 503:
        errors["_form"] = [_("Payment cannot be reached now; nothing was charged. Try again soon.")]
    else:
        errors["_form"] = [_("Your order could not be placed. Check the details and try again.")]
    return errors, lines


def _money(amount) -> str:
    from marketplace.blueprints.pages.present import money

    return money(amount)


class TotalsChanged(Conflict):
    code, message = "totals_changed", "The total changed with the address."


# ---------------------------------------------------------------- placing it


def _submit():
    form = _typed()
    expected = _expected_prices()
    key = (request.form.get("idempotency_key") or "").strip()
    if not key or len(key) > idempotency.MAX_KEY_LENGTH or not key.isprintable():
        key = uuid.uuid4().hex
    if "choose" in request.form:
        # "Chọn": the same form for the province (or country) chosen; nothing is placed.
        return _page(form, _view(form), key=key)
    address, errors = _checked(form)
    if errors:
        return _page(form, _view(form, expected), errors=errors, key=key, status=422)
    try:
        made = _place_once(key, form, address, expected)
    except EmptyCart:
        return redirect(url_for("pages.cart"), 303)
    except DomainError as exc:
        db.session.rollback()
        view = _view(form, expected)
        errors, line_errors = _explained(exc, view, form)
        page = _page(
            form, view, errors=errors, line_errors=line_errors, key=key, status=_status(exc)
        )
        return page
    if form["payment_method"] == "stripe":
        return redirect(url_for("pages.card_pay", checkout_id=made["id"]), 303)
    return redirect(url_for("pages.order", order_id=made["orders"][0]["id"], placed=1), 303)


class EmptyCart(Exception):
    """Nothing to buy (the cart was emptied meanwhile, or held only unavailable lines)."""


def _status(exc: DomainError) -> int:
    return exc.status if exc.status in (409, 422, 503) else 422


def _fingerprint() -> str:
    """The form as sent (its CSRF token aside): a double submit sends it twice unchanged."""
    fields = sorted(
        (name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"
    )
    return idempotency.fingerprint("POST", "/checkout", json.dumps(fields).encode())


def _claim(user, key: str):
    """Hold the key, or wait for the first submit of the same form to answer."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_SUBMIT_SECONDS
    while True:
        try:
            return idempotency.claim(user.id, key, _fingerprint())
        except Conflict as exc:
            if exc.code != "request_in_progress" or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _place_once(key: str, form: dict, address: dict, expected: dict) -> dict:
    """Place the checkout once for this key: a second submit of the same form waits for the
    first and answers as it did. Returns what it made (``_made``)."""
    user = current_user._get_current_object()
    claim = _claim(user, key)
    if claim.replay is not None:
        return _made(claim.replay)
    try:
        with idempotency.holding(claim):
            answer = claim.resume() if claim.resume is not None else None
            if answer is None:
                view = _view(form, expected)
                if view.error is not None:
                    raise view.error
                if not view.lines:
                    raise EmptyCart()
                if view.total is not None and request.form.get("expected_total") != str(view.total):
                    raise TotalsChanged()
                items = carts.checkout_items(view, expected)
                made = checkouts.place_checkout(
                    user,
                    items=items,
                    shipping_address=address,
                    payment_method=form["payment_method"],
                    note=form["note"] or None,
                )
                answer = (201, {"id": made.id, "orders": [{"id": o.id} for o in made.orders]})
                carts.forget_bought(user.id, view.buyable)
    except (DomainError, EmptyCart):
        # Nothing was made: the key is forgotten, so the form can be sent again.
        idempotency.release(claim)
        raise
    except Exception:
        db.session.rollback()
        idempotency.release_unless_made(claim)
        raise
    idempotency.record(claim, *answer)
    return _made(answer)


def _made(answer: idempotency.Answer) -> dict:
    """The checkout's id and its orders' (``{"id", "orders": [{"id"}…]}``), from this page's
    answer or the API's (a retry answered from what the first request made)."""
    _status_code, body = answer
    return body


def register(web) -> None:
    web.add_url_rule("/checkout", "checkout", checkout_page, methods=["GET", "POST"])
