"""flask worker — deliver notifications (text messages, e-mails) until stopped.

``--once`` sends what is due now and exits (for cron, or a test). SIGTERM and SIGINT stop the
worker cleanly: the message being sent is finished and recorded, the rest of its batch is handed
back for the next worker, and it exits 0. On PostgreSQL several workers may run side by side;
on SQLite one is enough.
"""

from __future__ import annotations

import logging
import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.services.notifications.delivery import Worker


def _configure_logging() -> None:
    # The log channel (the default) writes messages there: they must be seen.
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s [worker] %(name)s: %(message)s"
        )


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@with_appcontext
def command(once: bool) -> None:
    """Deliver notifications by text message and e-mail until stopped."""
    _configure_logging()
    log = logging.getLogger("marketplace.worker")
    config = current_app.config
    worker = Worker.from_config(config)
    if not config.get("PUBLIC_BASE_URL") and (
        config.get("SMTP_URL") or config.get("SMS_WEBHOOK_URL")
    ):
        log.warning("PUBLIC_BASE_URL is not set: messages link to the development address")
    if once:
        try:
            report = worker.run_once()
        finally:
            worker.close()
        click.echo(
            f"Dispatched {report.dispatched} notification(s); sent {report.sent}, "
            f"retrying {report.retrying}, failed {report.failed}, cancelled {report.cancelled}."
        )
        return

    def stop(signum, frame):
        log.info("stopping (signal %s)", signum)
        worker.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("delivering notifications (sms: %s, email: %s)", *_channel_names(worker))
    worker.run_forever()
    log.info("stopped")


def _channel_names(worker: Worker) -> tuple[str, str]:
    return tuple(type(worker.channels[name]).__name__ for name in ("sms", "email"))
