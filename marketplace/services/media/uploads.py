"""Media: checked uploads, direct uploads to storage, and which images a product or shop may use.

The database keeps where and what (backend, key, size, checksum, type), never the bytes. A row is
recorded (``pending``) before its files are stored and becomes ``ready`` after, so a crash between
the two leaves a pending row that ``media gc`` cleans, never a file nobody knows about.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, NoReturn

import sqlalchemy as sa
from flask import current_app

from marketplace.adapters.storage import get_storage
from marketplace.adapters.storage.base import (
    EXTENSIONS,
    ObjectNotFound,
    Storage,
    StorageError,
    UploadTicket,
)
from marketplace.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import Media, Product, ProductImage, User
from marketplace.models.base import utcnow
from marketplace.services.media.imaging import (
    IMAGE_TYPES,
    SNIFF_BYTES,
    VARIANT_SIZES,
    VIDEO_TYPES,
    ProcessedImage,
    decode_slots,
    process_image,
    sniff,
)

log = logging.getLogger(__name__)

DEFAULT_UPLOAD_TTL_SECONDS = 3600


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
    message = N_("Media storage is not answering; try again in a moment.")


def media_storage() -> Storage:
    """The configured backend; 503 ``storage_unavailable`` when it cannot be set up."""
    try:
        return get_storage()
    except StorageError as exc:
        log.error("media storage is misconfigured: %s", exc)
        raise StorageUnavailable() from exc


def public_url(key: str) -> str:
    """Where a client fetches the stored object with this key."""
    try:
        return media_storage().url(key)
    except StorageError as exc:
        raise StorageUnavailable() from exc


def new_key(kind: str, content_type: str, suffix: str = "") -> str:
    """A fresh, unguessable key: never derived from the user's file name."""
    token = uuid.uuid4().hex
    return f"{kind}/{token[:2]}/{token}{suffix}.{EXTENSIONS[content_type]}"


def _limit(kind: str) -> int:
    name = "MEDIA_MAX_VIDEO_BYTES" if kind == "video" else "MEDIA_MAX_BYTES"
    return current_app.config[name]


def _process_image(data: bytes) -> ProcessedImage:
    """The upload re-encoded within the configured bounds: pixels, the memory decoding may
    take, and how many images this worker decodes at once."""
    config = current_app.config
    return process_image(
        data,
        config["MEDIA_MAX_PIXELS"],
        max_decode_bytes=config["MEDIA_MAX_DECODE_BYTES"],
        slots=decode_slots(config["MEDIA_DECODE_SLOTS"], config["MEDIA_DECODE_WAIT_SECONDS"]),
    )


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        Msg("The file is larger than %(max)s bytes.", max=limit),
        details={"file": [Msg("at most %(max)s bytes", max=limit)]},
    )


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """The stream's bytes, or 413 once more than ``limit`` of them come."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _discard(storage: Storage, keys: Iterable[str]) -> None:
    """Best effort: remove files no row will point at (``media gc`` cannot find them later)."""
    for key in keys:
        try:
            storage.delete(key)
        except StorageError:
            log.warning("could not delete the stray stored object %s", key)


def _store_image(storage: Storage, key: str, variant_keys: dict, image: ProcessedImage) -> None:
    """Store the image and its variants; on failure remove what was stored, then 503."""
    stored: list[str] = []
    try:
        storage.save(key, BytesIO(image.data), image.content_type)
        stored.append(key)
        for name, variant_key in variant_keys.items():
            storage.save(variant_key, BytesIO(image.variants[name]), "image/webp")
            stored.append(variant_key)
    except StorageError as exc:
        log.warning("media storage failed: %s", exc)
        _discard(storage, stored)
        raise StorageUnavailable() from exc


def _variant_keys(image: ProcessedImage) -> tuple[str, dict[str, str]]:
    key = new_key("image", image.content_type)
    stem = key.rsplit(".", 1)[0]
    return key, {name: f"{stem}-{name}.webp" for name in image.variants}


def upload_image(owner: User, stream: BinaryIO) -> Media:
    """A ready image whose re-encoded file and variants are stored; nothing is kept on failure."""
    data = read_limited(stream, _limit("image"))
    image = _process_image(data)
    storage = media_storage()
    key, variant_keys = _variant_keys(image)
    media = Media(
        owner_id=owner.id,
        kind="image",
        status="pending",
        content_type=image.content_type,
        size=image.size,
        width=image.width,
        height=image.height,
        checksum=image.checksum,
        backend=storage.name,
        key=key,
        variant_keys=variant_keys,
    )
    db.session.add(media)
    db.session.commit()
    try:
        _store_image(storage, key, variant_keys, image)
    except StorageUnavailable:
        db.session.delete(media)
        db.session.commit()
        raise
    media.status = "ready"
    media.ready_at = utcnow()
    db.session.commit()
    return media


def _kind_of(content_type: str) -> str:
    if content_type in IMAGE_TYPES:
        return "image"
    if content_type in VIDEO_TYPES:
        return "video"
    raise UnsupportedMediaType(
        N_("Direct uploads take JPEG, PNG or WebP images and MP4 or WebM videos."),
        details={
            "content_type": [
                Msg("one of %(choices)s", choices=", ".join([*IMAGE_TYPES, *VIDEO_TYPES]))
            ]
        },
    )


def start_upload(
    owner: User, *, content_type: str, size: int, filename: str
) -> tuple[Media, UploadTicket]:
    """A pending media row and a ticket to upload its file straight to storage."""
    kind = _kind_of(content_type)
    if size > _limit(kind):
        raise _too_large(_limit(kind))
    storage = media_storage()
    key = new_key(kind, content_type)
    ttl = current_app.config.get("MEDIA_UPLOAD_TTL_SECONDS", DEFAULT_UPLOAD_TTL_SECONDS)
    try:
        # The policy's size range is what the client declared (itself within our limit).
        ticket = storage.presign_upload(key, content_type, size, ttl)
    except StorageError as exc:
        raise StorageUnavailable() from exc
    media = Media(
        owner_id=owner.id,
        kind=kind,
        status="pending",
        content_type=content_type,
        size=size,
        backend=storage.name,
        key=key,
        variant_keys={},
    )
    db.session.add(media)
    db.session.commit()
    return media, ticket


def get_own_media(user: User, media_id: str) -> Media:
    """The caller's own media; 404 for anyone else's (their existence is not revealed)."""
    media = db.session.get(Media, media_id)
    if media is None or media.owner_id != user.id:
        raise NotFound(N_("No such media."))
    return media


def _reject_stored(storage: Storage, media: Media, error: Exception) -> NoReturn:
    """Delete an uploaded object that broke the rules, then raise ``error``."""
    try:
        storage.delete(media.key)
    except StorageError as exc:
        raise StorageUnavailable() from exc
    raise error


def complete_upload(user: User, media_id: str) -> Media:
    """The media, ready once its stored object is found and checked; a bad object is deleted."""
    media = get_own_media(user, media_id)
    if media.status == "ready":
        return media
    storage = media_storage()
    try:
        stored = storage.head(media.key)
        if stored is None:
            raise Conflict(
                N_("Nothing has been uploaded for this media yet."), code="upload_missing"
            )
        limit = _limit(media.kind)
        if stored.size > limit:
            _reject_stored(storage, media, _too_large(limit))
        sniffed = sniff(storage.read_start(media.key, SNIFF_BYTES))
        if sniffed != media.content_type:
            _reject_stored(
                storage,
                media,
                UnsupportedMediaType(
                    Msg("The uploaded file is not %(type)s.", type=media.content_type),
                    code="content_type_mismatch",
                    details={"file": [Msg("expected %(type)s", type=media.content_type)]},
                ),
            )
        if media.kind == "video":
            return _mark_ready(media, {"size": stored.size})
        return _complete_image(storage, media, limit)
    except ObjectNotFound as exc:
        raise Conflict(N_("The uploaded file disappeared."), code="upload_missing") from exc
    except StorageError as exc:
        raise StorageUnavailable() from exc


def _mark_ready(media: Media, values: dict) -> Media:
    """Only one completion wins: the update is guarded by the pending status."""
    result = db.session.execute(
        sa.update(Media)
        .where(Media.id == media.id, Media.status == "pending")
        .values(status="ready", ready_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(media)
    if result.rowcount == 0 and values.get("key"):
        # Another request completed it first: our copies have no row.
        _discard(media_storage(), [values["key"], *values["variant_keys"].values()])
    return media


def _complete_image(storage: Storage, media: Media, limit: int) -> Media:
    stream = storage.open(media.key)
    try:
        data = read_limited(stream, limit)
    finally:
        stream.close()
    try:
        image = _process_image(data)
    except (UnsupportedMediaType, PayloadTooLarge) as error:
        _reject_stored(storage, media, error)
    upload_key = media.key
    key, variant_keys = _variant_keys(image)
    _store_image(storage, key, variant_keys, image)
    media = _mark_ready(
        media,
        {
            "key": key,
            "variant_keys": variant_keys,
            "size": image.size,
            "width": image.width,
            "height": image.height,
            "checksum": image.checksum,
        },
    )
    if media.key == key:
        # The upload as sent (with its EXIF) is no longer needed.
        _discard(storage, [upload_key])
    return media


def owned_ready_images(
    owner_id: str | list[str], ids: list[str], *, field: str = "image_ids"
) -> list[Media]:
    """These images in this order, when each is the owner's own and ready; else 422 on ``field``.

    ``owner_id`` may list several uploaders: a shop's owner and an officer helping by grant."""
    owners = [owner_id] if isinstance(owner_id, str) else list(owner_id)
    if len(set(ids)) != len(ids):
        raise ValidationFailed.field(field, N_("An image may appear only once."))
    if not ids:
        return []
    stmt = sa.select(Media).where(
        Media.id.in_(ids),
        Media.owner_id.in_(owners),
        Media.kind == "image",
        Media.status == "ready",
    )
    # FOR SHARE: `media gc` cannot delete an image while it is being attached.
    found = {m.id: m for m in db.session.scalars(stmt.with_for_update(read=True))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(
            Msg(
                "%(field)s: not your own ready images: %(ids)s", field=field, ids=", ".join(missing)
            ),
            details={field: [Msg("not your own ready image: %(id)s", id=i) for i in missing]},
        )
    return [found[i] for i in ids]


def owned_ready_image(owner_id: str, media_id: str | None, *, field: str) -> Media | None:
    """The owner's ready image (a shop's logo or cover), None for None; else 422 on ``field``."""
    if media_id is None:
        return None
    return owned_ready_images(owner_id, [media_id], field=field)[0]


def set_gallery(product: Product, owner_id: str | list[str], image_ids: list[str]) -> None:
    """Make these images the product's ordered gallery (no commit).

    Only gallery places go: the images and their files stay, for other products, shops or
    OCOP files that show them, and for ``media gc`` to judge later.
    """
    images = owned_ready_images(owner_id, image_ids, field="image_ids")
    places = {place.media_id: place for place in product.gallery}
    gallery = []
    for position, image in enumerate(images):
        place = places.get(image.id) or ProductImage(media_id=image.id)
        place.position = position
        gallery.append(place)
    product.gallery = gallery


def shop_images(owner_id: str, changes: dict) -> dict[str, str | None]:
    """The ``logo_id`` / ``cover_id`` among ``changes``, checked: the owner's ready images."""
    checked: dict[str, str | None] = {}
    for name in ("logo_id", "cover_id"):
        if name in changes:
            image = owned_ready_image(owner_id, changes[name], field=name)
            checked[name] = image.id if image else None
    return checked


# A variant's key is its image's key with "-<variant>.webp" for the extension (_variant_keys).
_VARIANT_KEY = re.compile(rf"^(?P<stem>.+)-(?:{'|'.join(VARIANT_SIZES)})\.webp$")


def _is_accepted(key: str) -> bool:
    """Whether ``key`` is the file of a ready media or one of its variants: what ``/complete``
    (or an upload through the app) accepted. One lookup by the unique key."""
    candidates = {key}
    variant = _VARIANT_KEY.match(key)
    if variant:
        candidates.update(f"{variant['stem']}.{ext}" for ext in set(EXTENSIONS.values()))
    rows = db.session.execute(
        sa.select(Media.key, Media.variant_keys).where(
            Media.key.in_(candidates), Media.status == "ready"
        )
    )
    return any(found == key or key in (variants or {}).values() for found, variants in rows)


def local_file(key: str) -> Path:
    """The file the app serves at ``/media/<key>`` from local storage; 404 unless it belongs to
    a ready media: a direct upload is not served before ``/complete`` checked it."""
    from marketplace.adapters.storage.local import LocalStorage

    storage = media_storage()
    if not isinstance(storage, LocalStorage) or not _is_accepted(key):
        raise NotFound()
    try:
        path = storage.path(key)
    except ObjectNotFound as exc:
        raise NotFound() from exc
    if not path.is_file():
        raise NotFound()
    return path


def receive_local_upload(form: dict[str, str], stream: BinaryIO, size: int) -> None:
    """Store a direct upload sent to the app, when it keeps to its signed policy."""
    from marketplace.adapters.storage.local import LocalStorage, UploadRefused

    storage = media_storage()
    if not isinstance(storage, LocalStorage):
        raise NotFound(N_("Uploads go straight to the storage service."))
    try:
        policy = storage.check_upload(form, size)
    except UploadRefused as refused:
        error = {
            "size_out_of_range": PayloadTooLarge,
            "content_type_mismatch": UnsupportedMediaType,
            "empty_file": ValidationFailed,
        }.get(refused.reason, Forbidden)
        raise error(str(refused), code=refused.reason) from refused
    pending = db.session.scalar(
        sa.select(Media.id).where(Media.key == policy.key, Media.status == "pending")
    )
    if pending is None:
        raise Conflict(N_("This upload is already complete."), code="upload_closed")
    try:
        storage.save(policy.key, stream, policy.content_type)
    except StorageError as exc:
        raise StorageUnavailable() from exc


def ready_images_of(owner_id: str, ids: list[str]) -> list[Media]:
    """Those of ``ids`` that are the owner's ready images (what a form that failed uploaded,
    shown again), in no particular order; the others are left out, never an error."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Media).where(
                Media.id.in_(ids),
                Media.owner_id == owner_id,
                Media.kind == "image",
                Media.status == "ready",
            )
        )
    )
