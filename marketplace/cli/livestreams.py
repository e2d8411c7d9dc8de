"""flask livestreams close-stale — tidy sessions that were never started or never ended."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.services.livestreams.sessions import close_stale_livestreams

group = AppGroup("livestreams", help="Livestream sessions.")


@group.command("close-stale")
def close_stale():
    """Cancel scheduled sessions whose time is over (reason "not started"); end live sessions
    4 hours past their end. Safe to run as often as you like (e.g. every 15 minutes)."""
    cancelled, ended = close_stale_livestreams()
    click.echo(f"Cancelled {cancelled} session(s) never started; ended {ended} left live.")
