"""The shop's products in the seller centre.

GET       /seller/products                 the products with their stock and status (?status=)
POST      /seller/products                 create: title, description, category, price, stock,
                                           weight_grams, status, photos (several files)
GET       /seller/products/new             the form to list a product
GET POST  /seller/products/<id>            edit: the same fields, the photos kept or removed,
                                           and the variants (add, edit, remove)
POST      /seller/products/<id>/archive    archive (hidden from buyers, kept for past orders)
GET       /seller/products/<id>/label      the printable traceability label

Checked by the API's own input schemas and saved by services/catalog/products: the same rules.
"""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from marshmallow import ValidationError

from marketplace.blueprints.pages.forms import translated
from marketplace.blueprints.seller.context import for_shop_workers, shop_or_set_up
from marketplace.blueprints.seller.forms import (
    form_errors,
    merge,
    read_numbers,
    text_or_none,
    upload_photos,
)
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.schemas.media import MediaSchema
from marketplace.schemas.products import (
    MAX_VARIANTS,
    ProductCreateSchema,
    ProductSchema,
    ProductUpdateSchema,
)
from marketplace.services.catalog import categories, labels, search
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog.product_views import product_view, product_views
from marketplace.services.media import uploads as media_service
from marketplace.services.permissions import require_shop_owner

FIELDS = {"title", "description", "category", "price", "stock", "weight_grams", "status"}
FORM_FIELDS = FIELDS | {"photos", "variants"}
STATUSES = ("active", "draft", "archived", "suspended")
PAGE_SIZE = 30
# Option name of a variant typed as a single word ("Chàm", "Cỡ M").
KIND = "loại"
NEW_VARIANT_ROWS = 1


def register(web) -> None:
    web.add_url_rule("/products", "products", products, methods=["GET", "POST"])
    web.add_url_rule("/products/new", "product_new", product_new)
    web.add_url_rule(
        "/products/<product_id>", "product_edit", product_edit, methods=["GET", "POST"]
    )
    web.add_url_rule(
        "/products/<product_id>/archive", "product_archive", product_archive, methods=["POST"]
    )
    web.add_url_rule("/products/<product_id>/label", "product_label", product_label)


# --- list and create ----------------------------------------------------------------------------


@for_shop_workers
def products():
    shop, set_up = shop_or_set_up()
    if set_up:
        return set_up
    if request.method == "POST":
        return _create(shop)
    status = request.args.get("status")
    status = status if status in STATUSES else "all"
    items, next_cursor = search.shop_products(
        shop, status=status, limit=PAGE_SIZE, cursor=request.args.get("cursor")
    )
    schema = ProductSchema()
    return render_template(
        "seller/products.html",
        shop=shop,
        items=[schema.dump(view) for view in product_views(items)],
        status=status,
        next_cursor=next_cursor,
        low=catalog.LOW_STOCK,
    )


@for_shop_workers
def product_new():
    shop, set_up = shop_or_set_up()
    if set_up:
        return set_up
    return _product_form(None, {"status": "active"}, {})


def _common_fields(form, errors: dict, *, numbers: tuple[str, ...]) -> dict:
    data = {
        "title": form.get("title", ""),
        "description": text_or_none(form.get("description")),
        "category": text_or_none(form.get("category")),
        "status": form.get("status") or None,
    }
    data.update(read_numbers(form, numbers, errors))
    return data


def _kept_images(form) -> list[str]:
    removed = set(form.getlist("remove_image"))
    return [i for i in form.getlist("image_ids") if i and i not in removed]


def _create(shop):
    form = request.form
    errors: dict = {}
    data = _common_fields(form, errors, numbers=("price", "stock", "weight_grams"))
    data["status"] = data["status"] or "active"
    for name in ("price", "stock"):
        if data.get(name) is None and name not in errors:
            errors[name] = [_("Missing data for required field.")]
    images = _kept_images(form) + upload_photos(current_user, "photos", errors)
    data["image_ids"] = images
    values = {**form.to_dict(), "image_ids": images}
    data = {key: value for key, value in data.items() if value is not None}
    try:
        loaded = ProductCreateSchema().load(data)
    except ValidationError as exc:
        merge(errors, form_errors(exc, FORM_FIELDS))
        return _product_form(None, values, errors), 422
    if errors:
        return _product_form(None, values, errors), 422
    try:
        product = catalog.create_product(shop, **loaded)
    except DomainError as exc:
        db.session.rollback()
        merge(errors, form_errors(exc, FORM_FIELDS))
        return _product_form(None, values, errors), exc.status
    return redirect(url_for("seller.product_edit", product_id=product.id, done="created"), 303)


# --- edit ---------------------------------------------------------------------------------------


def _own_product(product_id: str):
    product = catalog.product_for(current_user, product_id)
    require_shop_owner(current_user, product.shop)
    return product


@for_shop_workers
def product_edit(product_id: str):
    shop, set_up = shop_or_set_up()
    if set_up:
        return set_up
    product = _own_product(product_id)
    view = ProductSchema().dump(product_view(product))
    if request.method == "GET":
        return _product_form(view, _values_of(view), {})
    form = request.form
    errors: dict = {}
    data = _common_fields(form, errors, numbers=("weight_grams",))
    variants, rows = _variants(form, errors)
    images = _kept_images(form) + upload_photos(current_user, "photos", errors)
    data["image_ids"] = images
    if variants:
        data["variants"] = variants
    values = {**form.to_dict(), "image_ids": images, "variants": rows}
    data = {
        k: v
        for k, v in data.items()
        if v is not None or k in ("description", "category", "weight_grams")
    }
    try:
        loaded = ProductUpdateSchema().load(data)
    except ValidationError as exc:
        merge(errors, form_errors(exc, FORM_FIELDS))
        return _product_form(view, values, errors), 422
    if errors:
        return _product_form(view, values, errors), 422
    try:
        catalog.update_product(product, loaded)
    except DomainError as exc:
        db.session.rollback()
        merge(errors, _service_errors(exc))
        return _product_form(view, values, errors), exc.status
    return redirect(url_for("seller.product_edit", product_id=product_id, done="saved"), 303)


def _service_errors(exc: DomainError) -> dict:
    """The service's errors beside their fields; those about one variant beside the variants."""
    if isinstance(exc.details, dict) and "variants" in exc.details:
        return {"variants": [translated(exc.message)]}
    return form_errors(exc, FORM_FIELDS)


def options_of(text: str | None) -> dict:
    """``Chàm`` → ``{"loại": "Chàm"}``; ``màu: chàm · cỡ: M`` → ``{"màu": "chàm", "cỡ": "M"}``."""
    text = " ".join((text or "").split())
    if not text:
        return {}
    if ":" not in text:
        return {KIND: text}
    options = {}
    for part in text.replace("·", ",").split(","):
        name, _sep, value = part.partition(":")
        if name.strip() and value.strip():
            options[name.strip()] = value.strip()
        elif part.strip():
            options[KIND] = part.strip()
    return options


def option_text(options: dict | None) -> str:
    options = options or {}
    if set(options) == {KIND}:
        return options[KIND]
    return " · ".join(f"{name}: {value}" for name, value in options.items())


def _variants(form, errors: dict) -> tuple[list[dict], list[dict]]:
    """The variant rows of the form (``variants-<n>-id|name|price|stock|remove``): what the
    service takes, and the rows as typed (to show again on failure)."""
    entries, rows = [], []
    for index in range(MAX_VARIANTS + NEW_VARIANT_ROWS):
        prefix = f"variants-{index}-"
        if not any(key.startswith(prefix) for key in form):
            continue
        row = {name: form.get(prefix + name, "") for name in ("id", "name", "price", "stock")}
        row["remove"] = bool(form.get(prefix + "remove"))
        rows.append(row)
        if row["remove"] or (not row["id"] and not any(row[n] for n in ("name", "price", "stock"))):
            continue
        row_errors: dict = {}
        numbers = read_numbers(row, ("price", "stock"), row_errors)
        entry: dict = {"options": options_of(row["name"])}
        if row["id"]:
            entry["id"] = row["id"]
        for name in ("price", "stock"):
            if numbers.get(name) is not None:
                entry[name] = numbers[name]
            elif name not in row_errors:
                row_errors[name] = [_("Type the price and the stock.")]
        if row_errors:
            row["errors"] = sorted({m for messages in row_errors.values() for m in messages})
            errors.setdefault("variants", [])
            continue
        entries.append(entry)
    if "variants" in errors and not errors["variants"]:
        errors["variants"] = [_("Check the kinds marked below.")]
    if not entries and rows:
        errors.setdefault("variants", []).append(_("Keep at least one kind with a price."))
    return entries, rows


def grouped(number: int) -> str:
    """``350000`` → ``350.000``, as the price box shows it (and takes it back)."""
    return f"{number:,}".replace(",", ".")


def _values_of(view: dict) -> dict:
    return {
        "title": view["title"],
        "description": view["description"] or "",
        "category": (view["category"] or {}).get("slug", ""),
        "weight_grams": "" if view["weight_grams"] is None else str(view["weight_grams"]),
        "status": view["status"],
        "image_ids": [image["id"] for image in view["images"]],
        "variants": [
            {
                "id": variant["id"],
                "name": option_text(variant["options"]),
                "price": grouped(variant["price"]),
                "stock": str(variant["stock"]),
                "remove": False,
            }
            for variant in view["variants"]
        ],
    }


def _product_form(view: dict | None, values: dict, errors: dict):
    images = {image["id"]: image for image in (view or {}).get("images", [])}
    kept = values.get("image_ids") or []
    if kept and any(image_id not in images for image_id in kept):
        images.update(_media_of(kept))
    rows = list(values.get("variants") or [])
    blank = {"id": "", "name": "", "price": "", "stock": "", "remove": False}
    while not rows or rows[-1]["id"] or any(rows[-1][n] for n in ("name", "price", "stock")):
        rows.append(dict(blank))  # always one empty line to add a kind
    return render_template(
        "seller/product_form.html",
        product=view,
        values=values,
        errors=errors,
        categories=categories.tree(),
        photos=[images[i] for i in kept if i in images],
        variant_rows=rows if view else [],
        done=request.args.get("done"),
        max_bytes=current_app.config["MEDIA_MAX_BYTES"],
    )


def _media_of(ids: list[str]) -> dict:
    """Photos uploaded by a form that then failed: shown again, still the caller's own."""
    schema = MediaSchema()
    return {m.id: schema.dump(m) for m in media_service.ready_images_of(current_user.id, ids)}


# --- archive and label ----------------------------------------------------------------------------


@for_shop_workers
def product_archive(product_id: str):
    product = _own_product(product_id)
    catalog.archive_product(product)
    return redirect(url_for("seller.products", done="archived"), 303)


@for_shop_workers
def product_label(product_id: str):
    """The label to print (its QR code opens /t/<trace_code>); ``?format=svg|png`` downloads it."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    label = labels.label_for(current_user, product_id, base)
    svg = render_template("labels/product.svg", label=label)
    kind = request.args.get("format")
    if kind in ("svg", "png"):
        body, mimetype = (
            (svg, "image/svg+xml") if kind == "svg" else (labels.png(label), "image/png")
        )
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="nhan-{label.trace_code}.{kind}"'
        )
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    # Rendered by our own autoescaping template: only its XML declaration is left out.
    inline = Markup(svg.split("?>", 1)[-1].strip())  # noqa: S704
    return render_template(
        "seller/label.html", label=label, svg=inline, product=_own_product(product_id)
    )
