"""flask media gc — delete stored files of media that stayed pending or unused."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from marketplace.errors import DomainError
from marketplace.services.media import gc as media_gc

group = AppGroup("media", help="Manage stored images and videos.")


@group.command("gc")
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=media_gc.DEFAULT_GRACE.total_seconds() / 3600,
    show_default=True,
    help="Keep media younger than this, used or not (uploads in progress, drafts).",
)
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
def gc(grace_hours: float, dry_run: bool) -> None:
    """Delete media pending or unused past the grace period; never one still referred to."""
    try:
        report = media_gc.collect_garbage(timedelta(hours=grace_hours), dry_run=dry_run)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {len(report.media)} media, {len(report.files)} files")
    for key in report.failed_files:
        click.echo(f"could not delete {key} (remove it by hand)", err=True)
    if report.failed_files:
        raise SystemExit(1)
