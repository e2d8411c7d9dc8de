"""The seller centre's day at a glance and the shop's own form.

GET       /seller          new orders to confirm, low stock, the next livestream, 30 days of sales
GET POST  /seller/shop     open the shop (a short guided form), or edit it

The other pages are registered from here: ``products`` (products and their labels),
``orders`` (orders to fulfil), ``ocop`` (applications and certificates). Every page is for
artisans only and goes through the same services as the API.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from marketplace.adapters.payments import vietqr
from marketplace.blueprints.seller.context import (
    assisted_shop,
    current_shop,
    for_shop_workers,
    owners_only,
    shop_or_set_up,
)
from marketplace.blueprints.seller.forms import (
    merge,
    nested_errors,
    read_numbers,
    text_or_none,
    upload_photos,
)
from marketplace.blueprints.seller.ocop import register as register_ocop
from marketplace.blueprints.seller.orders import register as register_orders
from marketplace.blueprints.seller.products import register as register_products
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.schemas.shops import ShopCreateSchema, ShopUpdateSchema
from marketplace.services import places
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog import shops
from marketplace.services.livestreams import feeds
from marketplace.services.orders import lifecycle, sales
from marketplace.services.orders.bank_accounts import describe

TEXT_FIELDS = (
    "name",
    "description",
    "story",
    "village",
    "ethnic_group",
    "phone",
    "zalo_phone",
    "facebook_url",
)
FEE_FIELDS = (
    "shipping_fee",
    "local_shipping_fee",
    "free_shipping_over",
    "international_shipping_fee",
)
BANK_FIELDS = ("bank_bin", "account_number", "account_name")
SHOP_FIELDS = {*TEXT_FIELDS, *FEE_FIELDS, *BANK_FIELDS, "province", "commune", "logo", "cover"}


# Photos a form may carry in one send (each is checked on its own against MEDIA_MAX_BYTES),
# and room for the rest of the form around them.
PHOTOS_PER_SEND = 6
FORM_ROOM = 1024 * 1024


def register(web) -> None:
    """Adds the seller centre's routes (but the livestreams') to the seller blueprint."""
    web.record_once(_room_first)
    web.add_url_rule("", "home", home)
    web.add_url_rule("/shop", "shop", shop, methods=["GET", "POST"])
    register_products(web)
    register_orders(web)
    register_ocop(web)


def _room_first(state) -> None:
    # Before every other hook of the app: the CSRF check reads the form, and with it the body.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _room_for_photos)


def _room_for_photos() -> None:
    """A seller form with photos from a phone's camera may be larger than an API body."""
    if (
        request.blueprint == "seller"
        and request.method == "POST"
        and request.mimetype == "multipart/form-data"
    ):
        each = current_app.config["MEDIA_MAX_BYTES"]
        request.max_content_length = each * PHOTOS_PER_SEND + FORM_ROOM


# --- the day at a glance -------------------------------------------------------------------------


@for_shop_workers
def home():
    # An officer helping under a grant ("act as this shop") works on products and lives only.
    helped = assisted_shop()
    if helped is not None:
        return redirect(url_for("seller.products", shop=helped.id))
    shop, set_up = shop_or_set_up()
    if set_up:
        return set_up
    to_confirm, more = lifecycle.list_orders(
        current_user, shop=shop.id, status="placed", limit=5, cursor=None
    )
    next_live, _cursor = feeds.list_livestreams(
        statuses=("live", "scheduled"), shop=shop.id, commune=None, limit=1, cursor=None
    )
    days = sales.daily_sales(shop.id)
    return render_template(
        "seller/home.html",
        shop=shop,
        to_confirm=to_confirm,
        more_to_confirm=more is not None,
        waiting=sales.waiting_counts(shop.id),
        low_stock=catalog.low_stock(shop.id),
        low_stock_limit=catalog.LOW_STOCK,
        next_live=next_live[0] if next_live else None,
        chart=sales_chart(days),
    )


ROW = 18  # height of a day's line in the chart
BAR_MAX = 190  # the longest bar, beside its day and before its amount


def short_amount(amount: int) -> str:
    """``1.250.000`` → ``1.250k``: short enough to stand beside a bar on a phone."""
    if amount == 0:
        return "0"
    if amount < 1000:
        return str(amount)
    return f"{round(amount / 1000):,}k".replace(",", ".")


def sales_chart(days: list[sales.DaySales]) -> dict:
    """What the SVG chart of 30 days draws: a line per day (oldest first, today last), its
    bar scaled to the best day and its amount beside it, and the totals."""
    top = max((day.revenue for day in days), default=0)
    bars = [
        {
            "y": index * ROW,
            "width": round(day.revenue / top * BAR_MAX) if top else 0,
            "label": f"{day.day.day:02d}/{day.day.month:02d}",
            "amount": short_amount(day.revenue),
            "today": index == len(days) - 1,
        }
        for index, day in enumerate(days)
    ]
    return {
        "bars": bars,
        "width": 46 + BAR_MAX + 64,
        "height": len(days) * ROW + 2,
        "revenue": sum(day.revenue for day in days),
        "orders": sum(day.orders for day in days),
        "sold_days": [day for day in reversed(days) if day.orders],
    }


# --- the shop's form -----------------------------------------------------------------------------


@owners_only
def shop():
    existing = current_shop()
    if request.method == "GET":
        return _shop_page(existing, _values_of(existing), {})
    form = request.form
    errors: dict = {}
    data = {name: text_or_none(form.get(name)) for name in TEXT_FIELDS}
    data["name"] = form.get("name", "")
    data["province"] = (
        text_or_none(form.get("province")) or current_app.config["MARKETPLACE_PROVINCE"]
    )
    data["commune"] = text_or_none(form.get("commune"))
    if data["commune"] is None:
        data.pop("commune")
        errors["commune"] = [_("Choose your commune.")]
    fees = read_numbers(form, FEE_FIELDS, errors)
    if "shipping_fee" in fees and fees["shipping_fee"] is None:
        errors.setdefault("shipping_fee", []).append(_("Type the fee (0 if delivery is free)."))
    data.update(fees)
    bank = {name: (form.get(name) or "").strip() for name in BANK_FIELDS}
    if any(bank.values()):
        data["bank_account"] = bank
    elif existing is not None:
        data["bank_account"] = None
    for name in ("logo", "cover"):
        uploaded = upload_photos(current_user, name, errors)
        kept = text_or_none(form.get(f"{name}_id"))
        if uploaded or kept:
            data[f"{name}_id"] = uploaded[-1] if uploaded else kept
    values = {**form.to_dict(), **{f"{n}_id": data.get(f"{n}_id", "") for n in ("logo", "cover")}}
    if existing is None:
        data = {key: value for key, value in data.items() if value is not None}
    schema = ShopCreateSchema() if existing is None else ShopUpdateSchema()
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        merge(errors, nested_errors(exc, SHOP_FIELDS, ("bank_account",)))
        return _shop_page(existing, values, errors), 422
    if errors:
        return _shop_page(existing, values, errors), 422
    try:
        if existing is None:
            saved = shops.create_shop(current_user, **loaded)
        else:
            saved = shops.update_shop(existing, loaded)
    except DomainError as exc:
        db.session.rollback()
        merge(errors, nested_errors(exc, SHOP_FIELDS, ("bank_account",)))
        return _shop_page(existing, values, errors), exc.status
    done = "opened" if existing is None else "saved"
    return redirect(url_for("seller.shop", shop=saved.id, done=done), 303)


def _values_of(shop) -> dict:
    if shop is None:
        return {
            "province": current_app.config["MARKETPLACE_PROVINCE"],
            "shipping_fee": str(current_app.config["DEFAULT_SHIPPING_FEE"]),
        }
    values = {name: getattr(shop, name) or "" for name in TEXT_FIELDS}
    values.update(
        {
            name: "" if getattr(shop, name) is None else str(getattr(shop, name))
            for name in FEE_FIELDS
        }
    )
    values["province"] = shop.province_code
    values["commune"] = shop.commune_code or shop.commune
    for name in ("phone", "zalo_phone"):
        values[name] = _local_phone(values[name])
    values.update(describe(shop.bank_account) or {})
    return values


def _local_phone(e164: str) -> str:
    return "0" + e164[3:] if e164.startswith("+84") else e164


def _shop_page(existing, values: dict, errors: dict):
    province = places.find_province(values.get("province") or "") or places.find_province(
        current_app.config["MARKETPLACE_PROVINCE"]
    )
    commune = values.get("commune") or ""
    if province and commune and not commune.isdigit():
        found = places.commune_matches(province.code, commune)
        commune = found[0].code if len(found) == 1 else commune
    return render_template(
        "seller/shop.html",
        shop=existing,
        values=values,
        errors=errors,
        provinces=places.provinces(),
        province=province,
        communes=places.communes(province.code) if province else (),
        commune=commune,
        banks=vietqr.banks(),
        done=request.args.get("done"),
    )
