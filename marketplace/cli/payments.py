"""flask payments reconcile — finish owed refunds and payments whose webhook never came."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from marketplace.services.orders import payments

group = AppGroup("payments", help="Card payments maintenance.")


@group.command("reconcile")
@click.option(
    "--min-age",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Seconds: younger refunds may still be in flight in their request and are left alone.",
)
def reconcile(min_age):
    """Make refunds still owed (Stripe was unreachable, or a crash came between recording and
    making them) and apply succeeded payments whose webhook never arrived."""
    if not payments.card_payments_enabled():
        raise click.ClickException("Stripe is not configured (STRIPE_SECRET_KEY).")
    report = payments.reconcile(min_age=timedelta(seconds=min_age))
    click.echo(
        "Refunds made: {refunds_succeeded}, refused: {refunds_failed}, still owed: "
        "{refunds_pending}; payments applied: {payments_applied}.".format(**report)
    )
