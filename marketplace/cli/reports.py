"""flask reports compact — fold the sales changes the order triggers appended into the daily
rollup (run it every few minutes from cron; the reports are exact without it, only slower)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.services.trade_office import reports

group = AppGroup("reports", help="Trade office reports maintenance.")


@group.command("compact")
def compact():
    """Fold sales_daily_changes into sales_daily."""
    moved = reports.compact_sales_daily()
    click.echo(f"Folded {moved} change(s) into the daily sales rollup.")
