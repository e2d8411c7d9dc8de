"""Checkouts — /api/v1/checkouts.

POST /checkouts          signed in   check out (Idempotency-Key)
POST /checkouts/quote    anyone      what that checkout would charge, taking nothing
GET  /checkouts/<id>     its buyer   a checkout and its orders
"""

from __future__ import annotations

from flask.views import MethodView

from marketplace.database import read_only
from marketplace.schemas.orders import (
    CheckoutRequestSchema,
    CheckoutSchema,
    QuoteRequestSchema,
    QuoteSchema,
)
from marketplace.services.orders import checkout, idempotency
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import api_user, require_user
from marketplace.web.idempotency_header import IDEMPOTENCY_KEY_PARAMETER, idempotent
from marketplace.web.request_rules import sign_in_first

blp = Blueprint("checkout", __name__, url_prefix="/api/v1", description="Checkout")
CHECKOUT = CheckoutSchema()


def _answer_again(checkout_id: str) -> idempotency.Answer | None:
    """The answer to a checkout whose request died before storing it (None: it was undone)."""
    made = checkout.resume_checkout(checkout_id)
    return None if made is None else (201, CHECKOUT.dump(made))


idempotency.recovers(
    checkout.RESOURCE_TYPE, _answer_again, unfinished=checkout.lacks_payment_intent
)


@blp.route("/checkouts")
class Checkouts(MethodView):
    decorators = [idempotent]

    @sign_in_first()
    @may_answer(409)
    @blp.arguments(CheckoutRequestSchema)
    @blp.response(201, CheckoutSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, data):
        """Check out: one order per shop; stock is taken for every line or none.

        Send an `Idempotency-Key` header to make retries safe: the same key from the same user
        within 24 h gives back the first answer.
        """
        buyer = require_user()
        return checkout.place_checkout(buyer, **data)


@blp.route("/checkouts/quote")
class CheckoutQuote(MethodView):
    @blp.arguments(QuoteRequestSchema)
    @blp.response(200, QuoteSchema)
    @read_only
    def post(self, data):
        """What a checkout of this body would make and charge: the orders per shop with their
        shipping, the total, and the payment methods it may use. Answers 409 and 422 as the
        checkout would; takes no stock and writes nothing. Anyone may ask."""
        user = api_user()
        return checkout.quote_checkout(
            user.id if user else None,
            items=data["items"],
            shipping_address=data["shipping_address"],
            payment_method=data["payment_method"],
        )


@blp.route("/checkouts/<checkout_id>")
class CheckoutById(MethodView):
    @sign_in_first()
    @blp.response(200, CheckoutSchema)
    def get(self, checkout_id):
        """A checkout and its orders, to its buyer (to follow a card payment)."""
        return checkout.get_checkout(checkout_id, require_user())
