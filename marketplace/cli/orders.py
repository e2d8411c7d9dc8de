"""flask orders expire — cancel card and bank-transfer orders left unpaid, returning their
stock."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.services.orders import expiry as order_expiry
from marketplace.services.orders import idempotency

group = AppGroup("orders", help="Order maintenance.")


@group.command("expire")
def expire():
    """Cancel card orders unpaid after PAYMENT_TIMEOUT_MINUTES and bank-transfer orders unpaid
    after BANK_TRANSFER_TIMEOUT_HOURS, return their stock, cancel their PaymentIntents; also
    forget idempotency keys older than 24 h."""
    expired = order_expiry.expire_unpaid_orders()
    purged = idempotency.purge_expired()
    click.echo(f"Cancelled {len(expired)} unpaid order(s); forgot {purged} idempotency key(s).")
