"""The cart pages: add from a product page, see the cart by shop, change a quantity.

POST  /cart/items                 add a variant (fields variant_id, quantity)
GET   /cart                       the cart by shop, with each shop's shipping and the totals
POST  /cart/items/<variant_id>    set a quantity (0 removes)

Anonymous visitors' carts live in the session cookie (``session["cart"]``); signed-in buyers'
carts are rows (services/orders/cart), so a cart survives a change of device. The session's
cart joins the account at sign-in (``session.start_session``). Prices, shipping and totals
are the checkout's own quote, never computed here.
"""

from __future__ import annotations

from flask import has_request_context, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from marketplace.blueprints.pages.forms import sessionless_form
from marketplace.blueprints.pages.present import image_box
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.schemas.products import ProductSchema
from marketplace.services import places
from marketplace.services.catalog.product_views import product_views
from marketplace.services.orders import cart as carts

PRODUCTS = ProductSchema()
SESSION_CART = "cart"
SESSION_DESTINATION = "ship_to"


# ---------------------------------------------------------------- whose cart


def session_lines() -> carts.Lines:
    """The anonymous visitor's cart, as kept in the session: ``[[variant_id, quantity], …]``."""
    lines: carts.Lines = {}
    for entry in session.get(SESSION_CART) or []:
        try:
            variant_id, quantity = str(entry[0])[:64], int(entry[1])
        except (TypeError, ValueError, IndexError):
            continue
        if 1 <= quantity <= carts.MAX_QUANTITY and len(lines) < carts.MAX_LINES:
            lines[variant_id] = quantity
    return lines


def _store_in_session(lines: carts.Lines) -> None:
    if lines:
        session[SESSION_CART] = [[variant_id, quantity] for variant_id, quantity in lines.items()]
    else:
        session.pop(SESSION_CART, None)


def current_lines() -> carts.Lines:
    if current_user.is_authenticated:
        return carts.saved_lines(current_user.id)
    return session_lines()


def _change(how) -> None:
    """Apply ``how(lines) -> lines`` to whichever cart this visitor has."""
    if current_user.is_authenticated:
        before = carts.saved_lines(current_user.id)
        carts.save(current_user.id, before, how(before))
    else:
        _store_in_session(how(session_lines()))


def take_session_cart() -> carts.Lines:
    """The session's cart, for ``start_session`` to carry over a fresh session."""
    return session_lines()


def cart_count() -> int:
    """How many lines the cart holds, for the header (no query for an empty anonymous cart)."""
    if current_user.is_authenticated:
        return carts.count_saved(current_user.id)
    return len(session_lines())


# ---------------------------------------------------------------- forms


def _quantity(raw: str | None, *, minimum: int) -> int | None:
    """The quantity typed, or None when it is not a whole number in range."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        return None
    value = int(text)
    return value if minimum <= value <= carts.MAX_QUANTITY else None


def quantity_error(minimum: int) -> str:
    return _("Enter a whole number from %(low)d to %(high)d.", low=minimum, high=carts.MAX_QUANTITY)


def add_item():
    """Add a variant to the cart, then show the cart (anonymous visitors too)."""
    variant_id = (request.form.get("variant_id") or "").strip()[:64]
    quantity = _quantity(request.form.get("quantity") or "1", minimum=1)
    product_id = (request.form.get("product_id") or "").strip()[:64]
    error = None
    if quantity is None:
        error = quantity_error(1)
    else:
        try:
            carts.check_for_sale(variant_id)
            _change(lambda lines: carts.added(lines, variant_id, quantity))
        except DomainError as exc:
            error = _message(exc)
    if error:
        back = url_for("pages.product", product_id=product_id) if product_id else None
        return render_template("pages/cart_refused.html", error=error, back=back), 422
    return redirect(url_for("pages.cart", added=variant_id), 303)


def set_item(variant_id: str):
    """Set a line's quantity; 0 (or the "Remove" button) removes it."""
    raw = "0" if request.form.get("remove") else request.form.get("quantity")
    quantity = _quantity(raw, minimum=0)
    if quantity is None:
        errors = {variant_id: quantity_error(0)}
        return _cart_page(errors=errors, typed={variant_id: request.form.get("quantity", "")}), 422
    _change(lambda lines: carts.with_quantity(lines, variant_id, quantity))
    return redirect(url_for("pages.cart"), 303)


def _message(exc: DomainError) -> str:
    if exc.code == "cart_full":
        return _("Your cart is full: check out or remove something first.")
    return _("This product cannot be bought now.")


# ---------------------------------------------------------------- the page


def destination_code() -> str:
    """Where shipping is estimated: the province the visitor chose, else their last order's,
    else Hà Nội."""
    chosen = request.args.get("province")
    if chosen and places.find_province(chosen):
        session[SESSION_DESTINATION] = places.find_province(chosen).code
    if session.get(SESSION_DESTINATION):
        return session[SESSION_DESTINATION]
    if current_user.is_authenticated:
        address = carts.last_shipping_address(current_user.id)
        if address and address.get("province_code"):
            return address["province_code"]
    return carts.DEFAULT_DESTINATION


def view_for(lines: carts.Lines, province_code: str) -> carts.CartView:
    buyer_id = current_user.id if current_user.is_authenticated else None
    view = carts.view_cart(buyer_id, lines, carts.destination_address(province_code))
    if view.gone:
        # Variants deleted meanwhile: they leave the cart quietly.
        gone = set(view.gone)
        _change(lambda kept: {k: v for k, v in kept.items() if k not in gone})
    return view


def pictures_of(view: carts.CartView) -> dict[str, dict]:
    """Each line's product's first picture (its thumbnail), by product id."""
    shown = PRODUCTS.dump(product_views(carts.products_of(view)), many=True)
    return {p["id"]: image_box(p["images"][0], "thumb") for p in shown if p["images"]}


def _cart_page(errors: dict | None = None, typed: dict | None = None):
    code = destination_code()
    view = view_for(current_lines(), code)
    return render_template(
        "pages/cart.html",
        view=view,
        pictures=pictures_of(view),
        provinces=places.provinces(),
        destination=code,
        added=request.args.get("added"),
        errors=errors or {},
        typed=typed or {},
    )


def cart_page():
    return _cart_page()


def register(web) -> None:
    web.add_url_rule("/cart", "cart", cart_page)
    web.add_url_rule("/cart/items", "cart_add", sessionless_form(add_item), methods=["POST"])
    web.add_url_rule("/cart/items/<variant_id>", "cart_set", set_item, methods=["POST"])

    @web.app_context_processor
    def _cart_count() -> dict:
        # Pages only (the API renders no templates); an error page must render even when the
        # database is what failed.
        if not has_request_context():
            return {}
        try:
            return {"cart_count": cart_count()}
        except SQLAlchemyError:
            db.session.rollback()
            return {}
