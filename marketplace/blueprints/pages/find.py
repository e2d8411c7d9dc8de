"""Finding products: the search page with its filters, and the category pages.

The search takes the API's own arguments (``GET /api/v1/products``: ProductListArgs) and
goes through the same catalog search; a filter left empty in the form is no filter. Bad
values answer 422 with the page again, each message beside its control.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from marshmallow import EXCLUDE, ValidationError

from marketplace.blueprints.pages.browse import ListArgs, _args, _cards
from marketplace.blueprints.pages.forms import form_errors
from marketplace.errors import DomainError, NotFound
from marketplace.schemas.products import SORTS, ProductListArgs
from marketplace.services.catalog import storefront

UNPROCESSABLE = 422
FILTERS = ("q", "category", "commune", "ocop_min_stars", "min_price", "max_price", "sort")
OCOP_STARS = (3, 4, 5)


def _typed() -> dict[str, str]:
    """What the form holds (to show it again), each value cut to a sane length."""
    return {name: " ".join(request.args.get(name, "").split())[:200] for name in FILTERS}


def _filter_messages() -> dict[str, str]:
    return {
        "category": _("Choose a category from the list."),
        "commune": _("Choose a commune from the list."),
        "ocop_min_stars": _("Choose 3, 4 or 5 stars."),
        "min_price": _("Write a price in đồng, numbers only."),
        "max_price": _("Write a price in đồng, numbers only."),
        "sort": _("Choose an order from the list."),
        "q": _("Write at most 200 letters."),
        "cursor": _("This page of results is no longer valid."),
    }


def _errors(exc: ValidationError | DomainError) -> dict[str, list[str]]:
    messages = _filter_messages()
    found = form_errors(exc, set(messages))
    return {name: [messages.get(name, text) for text in texts][:1] for name, texts in found.items()}


def search():
    typed = _typed()
    given = {name: value for name, value in request.args.items() if value.strip()}
    given.pop("limit", None)
    given.pop("shop", None)
    errors: dict[str, list[str]] = {}
    page = None
    try:
        args = ProductListArgs().load(given, unknown=EXCLUDE)
        args.pop("limit", None)
        args.pop("shop", None)
        page = storefront.search_page(**args)
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status != UNPROCESSABLE:
            raise
        errors = _errors(exc)
    shown = render_template(
        "pages/search.html",
        page=page,
        cards=_cards(page.products) if page else [],
        form=typed,
        sort=page.sort if page else typed["sort"],
        errors=errors,
        categories=storefront.category_choices(),
        communes=storefront.shop_communes(),
        stars_choices=OCOP_STARS,
        sorts=SORTS,
    )
    return (shown, UNPROCESSABLE) if errors else shown


def category(slug: str):
    args = _args(ListArgs())
    try:
        page = storefront.category_page(slug, cursor=args["cursor"])
    except NotFound as exc:
        raise NotFound(_("No category has this name."), code=exc.code) from exc
    return render_template("pages/category.html", page=page, cards=_cards(page.products))
