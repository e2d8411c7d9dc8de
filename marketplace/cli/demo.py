"""flask demo load — the demo world of Vân Hồ district, idempotent."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.demo.load import load_world

group = AppGroup("demo", help="Demo data.")


@group.command("load")
def load():
    """Load the Vân Hồ demo world; a second run adds nothing."""
    world = load_world()
    if not world.added:
        click.echo("The demo world is already loaded; nothing added.")
        return
    made = ", ".join(f"{count} {kind}" for kind, count in world.added.items())
    click.echo(f"Demo world of Vân Hồ loaded: {made}.")
    if world.passwords:
        click.echo("Demo accounts (passwords are shown only this once):")
        for role, name, login, password in world.passwords:
            click.echo(f"  {role:<8} {login:<28} {password}   {name}")
