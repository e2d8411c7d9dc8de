"""OCOP in the seller centre: apply for a product's certificate, see applications and
certificates with their status.

GET   /seller/ocop     applications (pending, approved, rejected) and certificates
POST  /seller/ocop     product_id, certificate_number, stars, issued_on, expires_on, issuer,
                       files ``evidence`` (photos of the certificate)

Checked by the API's own schema and submitted through services/trade_office/ocop (audit and
notifications of the trade office as for the API).
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from marketplace.blueprints.seller.context import owners_only, shop_or_set_up
from marketplace.blueprints.seller.forms import form_errors, merge, upload_photos
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.schemas.trade_office import ApplicationCreateSchema
from marketplace.services.catalog import search
from marketplace.services.trade_office import ocop as ocop_service

FIELDS = {
    "product_id",
    "certificate_number",
    "stars",
    "issued_on",
    "expires_on",
    "issuer",
    "evidence",
    "evidence_media_ids",
}
TEXT = ("certificate_number", "stars", "issued_on", "expires_on", "issuer")
PRODUCTS_SHOWN = 100


def register(web) -> None:
    web.add_url_rule("/ocop", "ocop", ocop, methods=["GET", "POST"])


def _page(shop, values: dict, errors: dict, status: int = 200):
    items, _cursor = search.shop_products(shop, status="all", limit=PRODUCTS_SHOWN, cursor=None)
    products = [p for p in items if p.status != "archived"]
    return (
        render_template(
            "seller/ocop.html",
            shop=shop,
            file=ocop_service.shop_ocop(current_user, shop),
            products=products,
            values=values,
            errors=errors,
            today=ocop_service.local_today(),
            done=request.args.get("done"),
        ),
        status,
    )


@owners_only
def ocop():
    shop, set_up = shop_or_set_up()
    if set_up:
        return set_up
    if request.method == "GET":
        return _page(shop, {"stars": "3", "product_id": request.args.get("product", "")}, {})
    form = request.form
    errors: dict = {}
    product_id = (form.get("product_id") or "").strip()
    if not product_id:
        errors["product_id"] = [_choose_product()]
    data = {name: (form.get(name) or "").strip() for name in TEXT}
    stars = data["stars"]
    data["stars"] = int(stars) if stars.isdigit() and len(stars) < 3 else stars
    kept = [i for i in form.getlist("evidence_media_ids") if i]
    data["evidence_media_ids"] = kept + upload_photos(current_user, "evidence", errors)
    values = {**form.to_dict(), "evidence_media_ids": data["evidence_media_ids"]}
    try:
        loaded = ApplicationCreateSchema().load(data)
    except ValidationError as exc:
        merge(errors, form_errors(exc, FIELDS))
        return _page(shop, values, _evidence_errors(errors), 422)
    if errors:
        return _page(shop, values, errors, 422)
    try:
        ocop_service.submit_application(current_user, product_id, **loaded)
    except DomainError as exc:
        db.session.rollback()
        errors = merge(errors, form_errors(exc, FIELDS))
        status = 422 if exc.status == 404 else exc.status
        if exc.status == 404:
            errors = {"product_id": [_choose_product()]}
        return _page(shop, values, _evidence_errors(errors), status)
    return redirect(url_for("seller.ocop", done="sent"), 303)


def _choose_product() -> str:
    return _("Choose the product.")


def _evidence_errors(errors: dict) -> dict:
    if "evidence_media_ids" in errors:
        errors.setdefault("evidence", []).extend(errors.pop("evidence_media_ids"))
    return errors
