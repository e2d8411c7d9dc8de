"""flask users create — accounts made by an operator, such as the first officer;
flask users reset-password — a new password set by an operator for someone who asked."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.errors import DomainError
from marketplace.models import Role
from marketplace.services import accounts
from marketplace.services.phones import InvalidPhone

group = AppGroup("users", help="Manage accounts.")


@group.command("create")
@click.option("--email", default=None, help="Email address (this and/or --phone).")
@click.option("--phone", default=None, help="Phone number, e.g. 0912345678 or +84912345678.")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.BUYER.value,
    show_default=True,
)
@click.option("--name", default=None, help="Display name (defaults to the email or phone).")
def create(email, phone, password, role, name):
    """Create an account with any role (officer, admin, …)."""
    if not email and not phone:
        raise click.UsageError("Give --email or --phone (or both).")
    if len(password) < 8:
        raise click.UsageError("The password must have at least 8 characters.")
    try:
        user = accounts.create_user(
            name=name or email or phone, password=password, role=role, email=email, phone=phone
        )
    except InvalidPhone as exc:
        raise click.UsageError(f"--phone: {exc}") from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role} {user.email or user.phone} (id {user.id}).")


@group.command("reset-password")
@click.option("--login", required=True, help="The account's e-mail or phone number.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new password, at least 8 characters (asked for when not given).",
)
def reset_password(login, password):
    """Set a new password for an account (someone who called the office); every token of the
    account stops working and any reset code is void."""
    if len(password) < 8:
        raise click.UsageError("The password must have at least 8 characters.")
    try:
        user = accounts.operator_reset(login, password)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"New password set for {user.email or user.phone}; every token was revoked.")
