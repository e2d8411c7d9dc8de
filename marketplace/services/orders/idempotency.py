"""Idempotency keys: a retried request gets the first answer instead of doing the work again.

A key belongs to one user and one request (its fingerprint); it is claimed in its own short
transaction before the work starts, so parallel retries see it at once (409
``request_in_progress``); the first answer is stored when the work ends, unless it was a 5xx,
which is forgotten so that a retry is processed anew. Keys expire after
``IDEMPOTENCY_KEY_TTL_HOURS`` (24 h).

The work and its answer are stored in two transactions, and a worker can die between them (OOM
kill, timeout, deploy). So the work notes on the key what it made (``made``), in its own
transaction; a retry that finds a key with no answer but a made resource rebuilds the first
answer from it (``recovers`` registers how, by resource type) and never does the work again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import IdempotencyKey
from marketplace.models.base import new_id, utcnow

MAX_KEY_LENGTH = 255

Answer = tuple[int, dict | None]


@dataclass(frozen=True)
class Claim:
    """A key this request holds (``replay`` is None), or the stored first answer to give back.

    A held key with ``resume`` set belongs to a request that died after making its resource but
    before finishing it: the holder runs ``resume`` (it finishes and answers) instead of the view.
    """

    key_id: str
    replay: Answer | None = None
    resume: Callable[[], Answer | None] | None = None
    # When this request began holding the key (its row's created_at): a fencing token, so a
    # request whose key was taken over can no longer store an answer on it or delete it.
    held_since: datetime | None = None


@dataclass(frozen=True)
class Recovery:
    """How the first answer is given again from a resource its request made (``recovers``)."""

    # The answer the first request would have given; None when the resource is gone (undone).
    answer: Callable[[str], Answer | None]
    # Work left after the commit that made it (a card checkout's PaymentIntent), which
    # ``answer`` does: the first request may still be doing it, so only a retry that takes the
    # key over, once that request is silent, may.
    unfinished: Callable[[str], bool]


_RECOVERIES: dict[str, Recovery] = {}


def recovers(
    resource_type: str,
    answer: Callable[[str], Answer | None],
    unfinished: Callable[[str], bool] = lambda resource_id: False,
) -> None:
    """Register how a retry answers from a ``resource_type`` its first request made.

    Registered by the blueprints whose views answer with them: they know the answer's JSON,
    and the services that make the resources import this module for ``made``.
    """
    _RECOVERIES[resource_type] = Recovery(answer, unfinished)


_HELD = "held_idempotency_claim"


@contextmanager
def holding(claimed: Claim) -> Iterator[None]:
    """While the view runs for a held key, ``made`` notes on it what the work makes."""
    setattr(g, _HELD, claimed)
    try:
        yield
    finally:
        g.pop(_HELD, None)


def made(resource_type: str, resource_id: str) -> None:
    """Note on the key this request holds what its work made; call it right before the work's
    commit, so the two are stored together. Nothing to do without a held key (the CLI, the
    demo, a request without Idempotency-Key): one UPDATE by primary key otherwise."""
    claimed = g.get(_HELD)
    if claimed is None:
        return
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(_still_held(claimed))
        .values(resource_type=resource_type, resource_id=resource_id)
    )


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's identity: method, path and body (JSON compared by meaning, not spacing)."""
    try:
        canonical = json.dumps(
            json.loads(body or b"null"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def claim(user_id: str, key: str, request_fingerprint: str) -> Claim:
    """Hold ``key`` for this request, or give back the first answer to the same request.

    409 ``idempotency_key_reused`` when the key came with another request, 409
    ``request_in_progress`` while the first request is still running. A key whose request
    died after making its resource is answered from that resource, at once.
    """
    now = utcnow()
    db.session.rollback()
    db.session.execute(
        sa.delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at <= now,
        )
    )
    held = IdempotencyKey(
        id=new_id(),
        user_id=user_id,
        key=key,
        fingerprint=request_fingerprint,
        created_at=now,
        expires_at=now + timedelta(hours=current_app.config["IDEMPOTENCY_KEY_TTL_HOURS"]),
    )
    held_id = held.id
    db.session.add(held)
    try:
        db.session.commit()
        return Claim(held_id, held_since=now)
    except IntegrityError:
        db.session.rollback()
    first = db.session.execute(
        sa.select(
            IdempotencyKey.id,
            IdempotencyKey.fingerprint,
            IdempotencyKey.response_status,
            IdempotencyKey.response_body,
            IdempotencyKey.created_at,
            IdempotencyKey.resource_type,
            IdempotencyKey.resource_id,
        ).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).first()
    db.session.rollback()
    if first is not None and first.fingerprint != request_fingerprint:
        raise Conflict(
            N_("This Idempotency-Key was already used with another request."),
            code="idempotency_key_reused",
        )
    if first is not None and first.response_status is None and first.resource_type is not None:
        recovered = _recover(first, now)
        if recovered is not None:
            return recovered
    if first is not None and first.response_status is None and _take_over(first, now):
        return Claim(first.id, held_since=now)
    if first is None or first.response_status is None:
        # Still running (or a 5xx just released it): the client should retry in a moment.
        raise _in_progress()
    return Claim(first.id, (first.response_status, first.response_body))


def _in_progress() -> Conflict:
    return Conflict(
        N_("A request with this Idempotency-Key is still being processed."),
        code="request_in_progress",
    )


def _recover(first, now) -> Claim | None:
    """The first answer, rebuilt from what the first request made, stored and given back; or
    the key held to finish that resource. None when the resource is gone (its request undid
    it): then the key is treated as one that made nothing.

    Outside ``resume`` rebuilding only reads, so retries racing here give the same answer and
    store it once.
    """
    recovery = _RECOVERIES[first.resource_type]
    if recovery.unfinished(first.resource_id):
        db.session.rollback()
        if not _take_over(first, now):
            raise _in_progress()
        resource_id = first.resource_id
        return Claim(first.id, resume=lambda: recovery.answer(resource_id), held_since=now)
    answer = recovery.answer(first.resource_id)
    db.session.rollback()
    if answer is None:
        return None
    status, body = answer
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(IdempotencyKey.id == first.id, IdempotencyKey.response_status.is_(None))
        .values(response_status=status, response_body=body)
    )
    db.session.commit()
    return Claim(first.id, answer)


def _take_over(first, now) -> bool:
    """Hold a claim whose request died without answering (a crash, or a failed release).

    A request runs for seconds; one silent for IDEMPOTENCY_ABANDONED_AFTER_SECONDS is no longer
    "still running". Compare-and-set on its start time, so only one retry takes it over.
    """
    abandoned_after = current_app.config.get("IDEMPOTENCY_ABANDONED_AFTER_SECONDS", 60)
    if first.created_at > now - timedelta(seconds=abandoned_after):
        return False
    taken = db.session.execute(
        sa.update(IdempotencyKey)
        .where(
            IdempotencyKey.id == first.id,
            IdempotencyKey.response_status.is_(None),
            IdempotencyKey.created_at == first.created_at,
        )
        .values(created_at=now)
    ).rowcount
    db.session.commit()
    return taken == 1


def _still_held(claimed: Claim):
    """The key's row, as long as no retry has taken it over from this request."""
    clause = IdempotencyKey.id == claimed.key_id
    if claimed.held_since is not None:
        clause = sa.and_(clause, IdempotencyKey.created_at == claimed.held_since)
    return clause


def record(claimed: Claim, status: int, body: dict | None) -> None:
    """Keep the first answer for retries; a 5xx answer is not kept (the key is released)."""
    db.session.rollback()
    if status >= 500:
        release(claimed)
        return
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(_still_held(claimed))
        .values(response_status=status, response_body=body)
    )
    db.session.commit()


def release(claimed: Claim) -> None:
    """Forget the key: the request failed on our side and may be retried as new."""
    db.session.rollback()
    db.session.execute(sa.delete(IdempotencyKey).where(_still_held(claimed)))
    db.session.commit()


def release_unless_made(claimed: Claim) -> None:
    """Forget the key after an unexpected failure, unless its work was committed: a retry must
    then be answered from what it made, not run it again."""
    db.session.rollback()
    db.session.execute(
        sa.delete(IdempotencyKey).where(
            _still_held(claimed), IdempotencyKey.resource_type.is_(None)
        )
    )
    db.session.commit()


def purge_expired() -> int:
    """Delete keys past their 24 hours; returns how many."""
    deleted = db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow())
    ).rowcount
    db.session.commit()
    return deleted
