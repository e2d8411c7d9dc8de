"""Collections in the console: create one, pick products by search, order them, publish, and
export them (CSV with a byte-order mark, or JSON) for national e-commerce floors."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from marketplace.blueprints.office.common import office_only, officer
from marketplace.blueprints.pages.forms import form_errors
from marketplace.errors import DomainError
from marketplace.schemas.trade_office import CollectionCreateSchema, CollectionUpdateSchema
from marketplace.services.trade_office import console, curation

FIELDS = {"title", "description", "product_ids"}


def collections(*, errors=None, values=None, code=200):
    """GET /office/collections: every collection, and the form to start one."""
    views, _cursor = curation.list_collections(limit=100, cursor=None)
    return render_template(
        "office/collections.html", views=views, errors=errors or {}, values=values or {}
    ), code


def create():
    """POST /office/collections: fields ``title``, ``description``, ``product_ids``."""
    values = {
        "title": request.form.get("title", ""),
        "description": request.form.get("description", ""),
    }
    try:
        data = CollectionCreateSchema().load(
            {
                "title": values["title"],
                "description": values["description"].strip() or None,
                "product_ids": request.form.getlist("product_ids"),
            }
        )
        view = curation.create_collection(officer(), **data)
    except (ValidationError, DomainError) as error:
        return collections(errors=form_errors(error, FIELDS), values=values, code=422)
    flash(_("Collection created. Now pick its products."), "ok")
    return redirect(url_for("office.collection", ref=view.collection.id), code=303)


def _editor(collection, product_ids, *, q, errors=None, values=None, code=200):
    chosen = console.products_by_id(product_ids)
    items = [chosen[pid] for pid in product_ids if pid in chosen]
    found = console.pickable_products(q, besides=product_ids) if q is not None else []
    return render_template(
        "office/collection.html",
        collection=collection,
        items=items,
        q=q,
        found=found,
        errors=errors or {},
        values=values or {"title": collection.title, "description": collection.description or ""},
    ), code


def collection(ref: str):
    """GET /office/collections/<id>?q=: the editor, products found by ``q`` to add."""
    found = curation.find_collection(ref)
    product_ids = [item.product_id for item in found.items]
    return _editor(found, product_ids, q=request.args.get("q"))


def _moved(product_ids: list[str], move: str) -> list[str]:
    """The list after one button: ``up:<id>``, ``down:<id>``, ``remove:<id>``, ``add:<id>``."""
    verb, _sep, product_id = move.partition(":")
    ids = list(product_ids)
    if verb == "add" and product_id and product_id not in ids:
        return [*ids, product_id]
    if product_id not in ids:
        return ids
    index = ids.index(product_id)
    if verb == "remove":
        ids.pop(index)
    elif verb == "up" and index > 0:
        ids[index - 1], ids[index] = ids[index], ids[index - 1]
    elif verb == "down" and index < len(ids) - 1:
        ids[index + 1], ids[index] = ids[index], ids[index + 1]
    return ids


def save(ref: str):
    """POST /office/collections/<id>: ``title``, ``description``, ``product_ids`` in order (and
    ``move`` from the up, down, remove and add buttons); saved and public at once."""
    found = curation.find_collection(ref)
    product_ids = _moved(request.form.getlist("product_ids"), request.form.get("move", ""))
    values = {
        "title": request.form.get("title", ""),
        "description": request.form.get("description", ""),
    }
    q = request.form.get("q") or None
    try:
        data = CollectionUpdateSchema().load(
            {
                "title": values["title"],
                "description": values["description"].strip() or None,
                "product_ids": product_ids,
            }
        )
        curation.update_collection(officer(), found.id, **data)
    except (ValidationError, DomainError) as error:
        return _editor(
            found, product_ids, q=q, errors=form_errors(error, FIELDS), values=values, code=422
        )
    if not request.form.get("move"):
        flash(_("Collection saved and published."), "ok")
    return redirect(url_for("office.collection", ref=found.id, q=q), code=303)


def export(ref: str, extension: str):
    """GET /office/collections/<id>/export.csv or .json: the rows the API exports."""
    collection, rows = curation.export_collection(
        ref,
        product_url=lambda product: url_for("pages.product", product_id=product.id, _external=True),
        currency=_currency(),
    )
    if extension == "csv":
        body, mimetype = curation.export_csv(rows), "text/csv"
    else:
        payload = {"id": collection.id, "slug": collection.slug, "title": collection.title}
        body = json.dumps({**payload, "items": rows}, ensure_ascii=False, indent=1)
        mimetype = "application/json"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{collection.slug}.{extension}"'},
    )


def _currency() -> str:
    from flask import current_app

    return current_app.config["CURRENCY"]


def register(web) -> None:
    web.add_url_rule("/collections", "collections", office_only(collections))
    web.add_url_rule("/collections", "collections_create", office_only(create), methods=["POST"])
    web.add_url_rule("/collections/<ref>", "collection", office_only(collection))
    web.add_url_rule("/collections/<ref>", "collection_save", office_only(save), methods=["POST"])
    web.add_url_rule(
        "/collections/<ref>/export.<any(csv, json):extension>",
        "collection_export",
        office_only(export),
    )
