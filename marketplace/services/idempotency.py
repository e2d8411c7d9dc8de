"""Idempotency keys: a retried request gets the first answer instead of doing the work again.

A key belongs to one user and one request (its fingerprint); it is claimed in its own short
transaction before the work starts, so parallel retries see it at once (409
``request_in_progress``); the first answer is stored when the work ends, unless it was a 5xx,
which is forgotten so that a retry is processed anew. Keys expire after
``IDEMPOTENCY_KEY_TTL_HOURS`` (24 h).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.models import IdempotencyKey
from marketplace.models.base import new_id, utcnow

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Claim:
    """A key this request holds (``replay`` is None), or the stored first answer to give back."""

    key_id: str
    replay: tuple[int, dict | None] | None = None


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
    ``request_in_progress`` while the first request is still running.
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
        return Claim(held_id)
    except IntegrityError:
        db.session.rollback()
    first = db.session.execute(
        sa.select(
            IdempotencyKey.id,
            IdempotencyKey.fingerprint,
            IdempotencyKey.response_status,
            IdempotencyKey.response_body,
            IdempotencyKey.created_at,
        ).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).first()
    db.session.rollback()
    if first is not None and first.fingerprint != request_fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with another request.",
            code="idempotency_key_reused",
        )
    if first is not None and first.response_status is None and _take_over(first, now):
        return Claim(first.id)
    if first is None or first.response_status is None:
        # Still running (or a 5xx just released it): the client should retry in a moment.
        raise Conflict(
            "A request with this Idempotency-Key is still being processed.",
            code="request_in_progress",
        )
    return Claim(first.id, (first.response_status, first.response_body))


def _take_over(first, now) -> bool:
    """Hold a claim whose request died without answering (a crash, or a failed release).

    A request runs for seconds; one silent for IDEMPOTENCY_ABANDONED_AFTER_SECONDS is no longer
    "still running". Compare-and-set on its start time, so only one retry takes it over.
    """
    abandoned_after = current_app.config.get("IDEMPOTENCY_ABANDONED_AFTER_SECONDS", 300)
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


def record(claimed: Claim, status: int, body: dict | None) -> None:
    """Keep the first answer for retries; a 5xx answer is not kept (the key is released)."""
    db.session.rollback()
    if status >= 500:
        release(claimed)
        return
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(IdempotencyKey.id == claimed.key_id)
        .values(response_status=status, response_body=body)
    )
    db.session.commit()


def release(claimed: Claim) -> None:
    """Forget the key: the request failed on our side and may be retried as new."""
    db.session.rollback()
    db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.id == claimed.key_id))
    db.session.commit()


def purge_expired() -> int:
    """Delete keys past their 24 hours; returns how many."""
    deleted = db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow())
    ).rowcount
    db.session.commit()
    return deleted
