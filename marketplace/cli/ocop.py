"""flask ocop expiring — certificates about to lapse, so the office can call the producers;
flask ocop notify-expiring — the daily reminder to their owners (ocop_expiring)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.services import places
from marketplace.services.notifications import events as notifications
from marketplace.services.trade_office import ocop

group = AppGroup("ocop", help="OCOP certificates.")


@group.command("expiring")
@click.option(
    "--days",
    type=click.IntRange(min=0, max=3650),
    default=60,
    show_default=True,
    help="List certificates that lapse within this many days from today (Vietnam's calendar).",
)
def expiring(days: int) -> None:
    """Current certificates that expire soon: shop, phone, product, expiry date."""
    certificates = ocop.expiring_certificates(days)
    if not certificates:
        click.echo(f"No certificate expires in the next {days} days.")
        return
    rows = [("SHOP", "PHONE", "PRODUCT", "EXPIRES", "STARS", "CERTIFICATE")] + [
        (
            c.shop,
            c.phone or "-",
            c.product,
            c.expires_on.isoformat(),
            str(c.stars),
            c.certificate_number,
        )
        for c in certificates
    ]
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@group.command("notify-expiring")
def notify_expiring() -> None:
    """Remind owners of certificates lapsing in 60 days, then again in 14 (run it daily, e.g.
    from cron; each reminder is sent once, and a day missed is caught up the next)."""
    told = notifications.notify_expiring_certificates(places.local_today())
    click.echo(f"Reminded {told} certificate owner(s).")
