"""flask media gc: stale media go, anything a product, shop, OCOP file or order shows stays."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import sqlalchemy as sa

from marketplace.adapters.storage import get_storage
from marketplace.extensions import db
from marketplace.models import Media, OcopApplication, ProductImage, ocop_evidence
from marketplace.models.base import utcnow
from marketplace.services.media import uploads as media_service
from marketplace.services.media.gc import collect_garbage
from tests.factories import make_product, make_shop, make_user, media_files
from tests.factories.storage import use_s3


def image(owner, *, age: timedelta = timedelta(days=3)) -> Media:
    media = media_service.upload_image(owner, BytesIO(media_files.jpeg((200, 150))))
    media.created_at = utcnow() - age
    db.session.commit()
    return media


def pending_upload(owner, *, age: timedelta = timedelta(days=3)) -> Media:
    media, _ = media_service.start_upload(
        owner, content_type="video/mp4", size=4000, filename="clip.mp4"
    )
    get_storage().save(media.key, BytesIO(media_files.mp4(4000)), "video/mp4")
    media.created_at = utcnow() - age
    db.session.commit()
    return media


def keys_of(media: Media) -> list[str]:
    return [media.key, *media.variant_keys.values()]


def exists(media_id: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(Media.id == media_id)) == 1


def test_gc_deletes_stale_media_and_keeps_everything_referred_to(app, media_backend):
    artisan = make_user("artisan")
    stale_ready = image(artisan)
    stale_pending = pending_upload(artisan)
    fresh = image(artisan, age=timedelta(hours=1))
    fresh_pending = pending_upload(artisan, age=timedelta(minutes=5))
    in_gallery, in_archived_gallery, logo, cover, evidence, shared = (
        image(artisan) for _ in range(6)
    )
    shop = make_shop(artisan, logo_id=logo.id, cover_id=cover.id)
    product = make_product(shop)
    # An archived product (deleted by its owner) is still shown by its past orders.
    archived = make_product(shop, status="archived")
    other = make_product(shop)
    db.session.add_all(
        [
            ProductImage(product_id=product.id, media_id=in_gallery.id, position=0),
            ProductImage(product_id=product.id, media_id=shared.id, position=1),
            ProductImage(product_id=archived.id, media_id=in_archived_gallery.id, position=0),
            ProductImage(product_id=other.id, media_id=shared.id, position=0),
        ]
    )
    application = OcopApplication(
        product_id=product.id,
        claimed_stars=4,
        stars=4,
        certificate_number="OCOP-1",
        issuer="UBND tỉnh",
        issued_on=date(2026, 1, 1),
        expires_on=date(2029, 1, 1),
        submitted_by=artisan.id,
    )
    db.session.add(application)
    db.session.flush()
    db.session.execute(
        sa.insert(ocop_evidence).values(application_id=application.id, media_id=evidence.id)
    )
    db.session.commit()
    # Removing the shared image from one gallery leaves it in the other.
    db.session.execute(
        sa.delete(ProductImage).where(
            ProductImage.product_id == product.id, ProductImage.media_id == shared.id
        )
    )
    db.session.commit()

    kept = [fresh, fresh_pending, in_gallery, in_archived_gallery, logo, cover, evidence, shared]
    gone = [stale_ready, stale_pending]
    gone_keys = [key for media in gone for key in keys_of(media)]
    gone_ids = {media.id for media in gone}
    kept_ids = {media.id: keys_of(media) for media in kept}

    dry = collect_garbage(timedelta(hours=24), dry_run=True)
    assert set(dry.media) >= gone_ids
    assert all(exists(media_id) for media_id in gone_ids)

    report = collect_garbage(timedelta(hours=24))
    assert gone_ids <= set(report.media)
    assert not set(report.media) & set(kept_ids)
    assert report.failed_files == []
    storage = get_storage()
    for key in gone_keys:
        assert storage.head(key) is None
    for media_id, keys in kept_ids.items():
        assert exists(media_id)
        for key in keys:
            assert storage.head(key) is not None, key


def test_gc_cli(app, media_backend):
    artisan = make_user("artisan")
    stale = image(artisan, age=timedelta(hours=5))
    stale_id, stale_key = stale.id, stale.key
    runner = app.test_cli_runner()
    result = runner.invoke(args=["media", "gc", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert exists(stale.id)
    result = runner.invoke(args=["media", "gc", "--grace-hours", "4", "--dry-run"])
    assert "would delete" in result.output
    assert exists(stale.id)
    result = runner.invoke(args=["media", "gc", "--grace-hours", "4"])
    assert result.exit_code == 0, result.output
    assert "deleted" in result.output
    assert not exists(stale_id)
    assert get_storage().head(stale_key) is None


def test_gc_with_storage_down_deletes_nothing(app, s3_server, closed_port, monkeypatch):
    use_s3(monkeypatch, app, s3_server)
    stale = image(make_user())
    use_s3(
        monkeypatch,
        app,
        s3_server,
        S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}",
        S3_MAX_ATTEMPTS=1,
        S3_CONNECT_TIMEOUT=1,
    )
    result = app.test_cli_runner().invoke(args=["media", "gc", "--grace-hours", "0"])
    assert result.exit_code != 0
    assert "storage" in result.output.lower()
    assert exists(stale.id)
