"""The worker's side of the outbox: give new notifications their deliveries, take what is due,
send it, record what happened.

A pass first dispatches the notifications written since the last one: each gets one pending
delivery per channel its user chose at that moment (one transaction per batch, rows taken with
``FOR UPDATE SKIP LOCKED`` like the deliveries below). Then it takes due deliveries in small
batches. Taking a batch is one short transaction: the rows are
chosen with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (several workers share the queue, none
waits for another; SQLite's single writer serialises them instead) and given a lease: their
``next_attempt_at`` moves past the lease's end and ``claimed_by`` names the batch. Each message
is then sent outside any transaction, and its outcome recorded in a transaction of its own,
only if the lease is still ours.

Guarantees. A message a channel accepted and that was recorded ``sent`` is never sent again.
A worker killed after the channel accepted a message but before recording it leaves the row
``pending`` with its lease: when the lease ends the row is due again and the message is sent
again. That is at-least-once delivery, on purpose: the other choice, recording first and sending
after, loses the message when the worker dies in between, and a seller who never hears of an
order is worse off than one who gets the same text twice. The window is one send long, and the
repeat carries the same key (the gateway's ``Idempotency-Key``, the e-mail's ``Message-ID``).

Failures are retried after ``base * 2**(attempt-1)`` seconds, capped (NOTIFY_RETRY_BASE_SECONDS,
NOTIFY_RETRY_CAP_SECONDS), up to NOTIFY_MAX_ATTEMPTS attempts; an answer that says the message
can never go (a refused address) ends it at once. The last error is kept on the row.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased

from marketplace.adapters.messaging import Channel, DeliveryError, OutgoingMessage, channels_for
from marketplace.extensions import db
from marketplace.models import Notification, NotificationDelivery, PasswordReset, User
from marketplace.models.base import utcnow
from marketplace.services.accounts import reset_code
from marketplace.services.notifications import links, messages, outbox

log = logging.getLogger(__name__)
_D = NotificationDelivery
# Written out, not bound: only a literal lets the planners use the partial index of pending
# rows (a bound parameter could be any status, as far as a generic plan knows).
_PENDING = sa.literal_column("'pending'")
# Notifications given their deliveries per transaction.
DISPATCH_BATCH = 200


@dataclass(frozen=True)
class Settings:
    retry_base: float = 30
    retry_cap: float = 3600
    max_attempts: int = 12
    lease: float = 120
    batch_size: int = 20
    send_timeout: float = 15
    poll: float = 1

    @classmethod
    def from_config(cls, config: Mapping) -> Settings:
        return cls(
            # At least a second: a failure is never due again within the pass that made it.
            retry_base=max(1, config["NOTIFY_RETRY_BASE_SECONDS"]),
            retry_cap=max(1, config["NOTIFY_RETRY_CAP_SECONDS"]),
            max_attempts=max(1, config["NOTIFY_MAX_ATTEMPTS"]),
            # A lease outlives at least two sends: a batch is worked while it lasts.
            lease=max(config["NOTIFY_LEASE_SECONDS"], 2 * config["NOTIFY_SEND_TIMEOUT_SECONDS"]),
            batch_size=max(1, config["NOTIFY_BATCH_SIZE"]),
            send_timeout=max(1, config["NOTIFY_SEND_TIMEOUT_SECONDS"]),
            poll=max(0.05, config["NOTIFY_POLL_SECONDS"]),
        )


def backoff(attempts: int, settings: Settings) -> timedelta:
    """How long after its ``attempts``-th failed attempt a message is tried again."""
    return timedelta(seconds=min(settings.retry_cap, settings.retry_base * 2 ** (attempts - 1)))


@dataclass
class Report:
    dispatched: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0

    @property
    def handled(self) -> int:
        return self.dispatched + self.sent + self.retrying + self.failed + self.cancelled


@dataclass(frozen=True)
class _Job:
    """A claimed delivery with what its message is made from (plain values, no ORM)."""

    id: str
    channel: str
    address: str
    attempts: int
    kind: str | None
    params: dict
    locale: str
    link: str | None
    reset_id: str | None = None
    reset_nonce: str | None = None
    reset_live: bool = False


@dataclass
class Worker:
    """Sends the outbox's due messages through the configured channels.

    ``clock`` gives the time (tests pass a fixed one to step through retries); ``stop`` is set
    by SIGTERM: the message being sent is finished and recorded, the rest of the batch is
    released at once for the next worker.
    """

    settings: Settings
    channels: dict[str, Channel]
    secret_key: str
    clock: Callable[[], datetime] | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def from_config(cls, config: Mapping, **kwargs) -> Worker:
        settings = Settings.from_config(config)
        return cls(
            settings=settings,
            channels=channels_for(config, timeout=settings.send_timeout),
            secret_key=config["SECRET_KEY"],
            **kwargs,
        )

    def now(self) -> datetime:
        return self.clock() if self.clock is not None else utcnow()

    # --- passes ----------------------------------------------------------------------------------

    def run_once(self) -> Report:
        """Dispatch new notifications and send what is due now (batch after batch), then
        return; later failures wait."""
        report = Report()
        report.dispatched = self._dispatch()
        due_by = self.now()
        while not self.stop.is_set():
            # The lease is counted from before the claim: it ends no later than the row's.
            lease_end = time.monotonic() + self.settings.lease
            token, jobs = self._claim(due_by)
            if not jobs:
                break
            self._work(token, jobs, lease_end, report)
        return report

    def run_forever(self) -> None:
        """Passes until ``stop`` is set; idle, it lets go of its connections and waits."""
        try:
            while not self.stop.is_set():
                try:
                    report = self.run_once()
                except SQLAlchemyError:
                    # The database is away or busy: nothing is lost (the rows wait, under
                    # their leases at worst); try again after a pause rather than die.
                    log.exception("the outbox could not be read; trying again")
                    db.session.rollback()
                    self.stop.wait(max(self.settings.poll, 5))
                    continue
                if report.handled == 0 and not self.stop.is_set():
                    self.close()
                    self.stop.wait(self.settings.poll)
        finally:
            self.close()

    def close(self) -> None:
        for channel in self.channels.values():
            try:
                channel.close()
            except Exception:  # closing must never stop the worker
                log.exception("closing the %s channel failed", channel.name)

    # --- dispatching -----------------------------------------------------------------------------

    def _dispatch(self) -> int:
        """Give every notification not yet dispatched its deliveries; returns how many
        notifications were dispatched."""
        dispatched = 0
        session = db.session
        while not self.stop.is_set():
            try:
                _without_waiting_for_disk()
                rows = session.execute(
                    sa.select(Notification.id, Notification.user_id)
                    .where(Notification.dispatched_at.is_(None))
                    .order_by(Notification.created_at, Notification.id)
                    .limit(DISPATCH_BATCH)
                    .with_for_update(skip_locked=True)
                ).all()
                if not rows:
                    session.rollback()
                    break
                now = self.now()
                outbox.deliveries_for([(row.id, row.user_id) for row in rows], now)
                session.execute(
                    sa.update(Notification)
                    .where(Notification.id.in_([row.id for row in rows]))
                    .values(dispatched_at=now)
                    .execution_options(synchronize_session=False)
                )
                session.commit()
            except BaseException:
                session.rollback()
                raise
            dispatched += len(rows)
        return dispatched

    # --- claiming --------------------------------------------------------------------------------

    def _claim(self, due_by: datetime) -> tuple[str, list[_Job]]:
        """Take up to a batch of rows due by ``due_by`` under a new lease; one transaction."""
        token = uuid.uuid4().hex
        session = db.session
        try:
            _without_waiting_for_disk()
            ids = session.scalars(
                sa.select(_D.id)
                .where(_D.status == _PENDING, _D.next_attempt_at <= due_by)
                .order_by(_D.next_attempt_at, _D.id)
                .limit(self.settings.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not ids:
                session.rollback()
                return token, []
            now = self.now()
            session.execute(
                sa.update(_D)
                .where(_D.id.in_(ids), _D.status == "pending", _D.next_attempt_at <= due_by)
                .values(
                    next_attempt_at=now + timedelta(seconds=self.settings.lease),
                    claimed_by=token,
                    attempts=_D.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            jobs = self._load(token, now)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return token, jobs

    def _load(self, token: str, now: datetime) -> list[_Job]:
        notified, reset_user = aliased(User), aliased(User)
        rows = db.session.execute(
            sa.select(
                _D.id,
                _D.channel,
                _D.address,
                _D.attempts,
                Notification.kind,
                Notification.params,
                notified.locale,
                Notification.link,
                PasswordReset.id.label("reset_id"),
                PasswordReset.nonce,
                PasswordReset.used_at,
                PasswordReset.voided_at,
                PasswordReset.expires_at,
                reset_user.locale.label("reset_locale"),
            )
            .outerjoin(Notification, Notification.id == _D.notification_id)
            .outerjoin(notified, notified.id == Notification.user_id)
            .outerjoin(PasswordReset, PasswordReset.id == _D.password_reset_id)
            .outerjoin(reset_user, reset_user.id == PasswordReset.user_id)
            .where(_D.claimed_by == token, _D.status == "pending")
            .order_by(_D.created_at, _D.id)
        )
        jobs = []
        for row in rows:
            if row.reset_id is not None:
                live = row.used_at is None and row.voided_at is None and row.expires_at > now
                jobs.append(
                    _Job(
                        row.id,
                        row.channel,
                        row.address,
                        row.attempts,
                        None,
                        {},
                        messages.locale_of(row.reset_locale),
                        None,
                        row.reset_id,
                        row.nonce,
                        live,
                    )
                )
            else:
                jobs.append(
                    _Job(
                        row.id,
                        row.channel,
                        row.address,
                        row.attempts,
                        row.kind,
                        row.params or {},
                        messages.locale_of(row.locale),
                        row.link,
                    )
                )
        return jobs

    # --- sending ---------------------------------------------------------------------------------

    def _work(self, token: str, jobs: list[_Job], lease_end: float, report: Report) -> None:
        for index, job in enumerate(jobs):
            # Stopping, or too little lease left to finish a send: hand the rest back now
            # rather than let another worker take them while we may still be sending.
            if self.stop.is_set() or time.monotonic() + self.settings.send_timeout >= lease_end:
                report.released += self._release(token, [j.id for j in jobs[index:]])
                return
            if job.reset_id is not None and not job.reset_live:
                self._finish(token, job.id, status="cancelled", last_error="code no longer valid")
                report.cancelled += 1
                continue
            try:
                message = self._message(job)
                self.channels[job.channel].send(message)
            except DeliveryError as exc:
                self._failed(token, job, str(exc), permanent=exc.permanent, report=report)
                continue
            except Exception as exc:  # a bug must not stop the queue: recorded, retried
                log.exception("delivery %s failed unexpectedly", job.id)
                self._failed(token, job, repr(exc), permanent=False, report=report)
                continue
            if self._finish(token, job.id, status="sent"):
                report.sent += 1
            else:
                log.warning("delivery %s was sent after its lease ended", job.id)

    def _message(self, job: _Job) -> OutgoingMessage:
        if job.reset_id is not None:
            code = reset_code(self.secret_key, job.reset_nonce)
            text = messages.password_reset(code, job.locale)
            if job.channel == "sms":
                return OutgoingMessage(job.id, job.address, text.sms)
            return OutgoingMessage(job.id, job.address, text.body, subject=text.title)
        url = links.absolute(job.link, for_message=True)
        if job.channel == "sms":
            return OutgoingMessage(
                job.id, job.address, messages.sms(job.kind, job.params, job.locale, url)
            )
        subject, body = messages.email(job.kind, job.params, job.locale, url)
        return OutgoingMessage(job.id, job.address, body, subject=subject)

    # --- recording -------------------------------------------------------------------------------

    def _ours(self, token: str, delivery_id: str):
        return sa.update(_D).where(
            _D.id == delivery_id, _D.claimed_by == token, _D.status == "pending"
        )

    def _finish(self, token: str, delivery_id: str, *, status: str, last_error=None) -> bool:
        now = self.now()
        values = {"status": status, "last_error": last_error, "updated_at": now}
        if status == "sent":
            values["sent_at"] = now
        return self._commit(self._ours(token, delivery_id).values(**values)) == 1

    def _failed(self, token: str, job: _Job, error: str, *, permanent: bool, report) -> None:
        now = self.now()
        values: dict = {"last_error": error[:2000], "claimed_by": None, "updated_at": now}
        if permanent or job.attempts >= self.settings.max_attempts:
            values["status"] = "failed"
            report.failed += 1
            log.error("delivery %s (%s) given up: %s", job.id, job.channel, error)
        else:
            values["next_attempt_at"] = now + backoff(job.attempts, self.settings)
            report.retrying += 1
            log.warning("delivery %s (%s) will be retried: %s", job.id, job.channel, error)
        self._commit(self._ours(token, job.id).values(**values))

    def _release(self, token: str, ids: list[str]) -> int:
        """Hand claimed rows back, due at once, their attempt not counted."""
        return self._commit(
            sa.update(_D)
            .where(_D.id.in_(ids), _D.claimed_by == token, _D.status == "pending")
            .values(
                next_attempt_at=self.now(),
                claimed_by=None,
                attempts=_D.attempts - 1,
                updated_at=self.now(),
            )
        )

    def _commit(self, stmt) -> int:
        try:
            _without_waiting_for_disk()
            count = db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return count


def _without_waiting_for_disk() -> None:
    """On PostgreSQL, let this transaction's commit return before its WAL reaches the disk.

    For the worker's own bookkeeping only (a claim, an outcome): should the database server
    crash in the fraction of a second before the flush, the record is lost and the message is
    sent again, which at-least-once delivery allows anyway; a worker's crash loses nothing, the
    server has the commit. Waiting for the disk on every message set the worker's pace to that
    of the disk's flushes. (SQLite in WAL mode at synchronous=NORMAL commits this way already.)
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))


def queue_counts() -> dict[str, int]:
    """What an operator watches of the queue: deliveries due now (pending, their time come),
    failed for good, and notifications not yet given their deliveries. Read at each
    scrape of /metrics (the worker's partial indexes serve the due and undispatched counts)."""
    now = utcnow()
    due = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(_D)
        .where(_D.status == _PENDING, _D.next_attempt_at <= now)
    )
    failed = db.session.scalar(
        sa.select(sa.func.count()).select_from(_D).where(_D.status == "failed")
    )
    undispatched = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.dispatched_at.is_(None))
    )
    return {"due": due or 0, "failed": failed or 0, "undispatched": undispatched or 0}
