"""A small market for page tests: a brocade shop with products, livestreams and a collection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from marketplace.extensions import db
from marketplace.models import (
    Collection,
    CollectionItem,
    Livestream,
    Product,
    ProductImage,
    Shop,
    User,
)
from marketplace.models.base import utcnow
from marketplace.services.media import uploads as media_service
from tests.factories import make_livestream, make_product, make_shop, make_user
from tests.factories.media_files import jpeg
from tests.factories.trade_office import certify

STORY = "Chị Sấu học dệt lanh từ năm mười tuổi.\n\nMỗi tấm vải qua hơn 40 công đoạn."


@dataclass
class Market:
    shop: Shop
    scarf: Product  # 150.000 ₫, OCOP 4 stars, a photo
    bag: Product  # two variants: 200.000 ₫ and 250.000 ₫
    honey: Product  # another shop's, no diacritics match for "tho cam"
    draft: Product
    live: Livestream
    upcoming: Livestream
    ended: Livestream
    collection: Collection


def add_photo(product: Product, size: tuple[int, int] = (1200, 900)) -> None:
    """A real image through the media service (re-encoded, thumb and medium made)."""
    owner = db.session.get(User, product.shop.owner_id)
    image = media_service.upload_image(owner, BytesIO(jpeg(size)))
    db.session.add(ProductImage(product_id=product.id, media_id=image.id, position=0))
    db.session.commit()


def build_market(*, photo: bool = True) -> Market:
    artisan = make_user("artisan", name="Giàng Thị Sấu")
    shop = make_shop(
        artisan,
        name="Thổ cẩm Cỏ Chàm",
        slug="tho-cam-co-cham",
        commune="Vân Hồ",
        village="Cỏ Chàm",
        ethnic_group="Mông",
        story=STORY,
        phone="+84912345678",
    )
    scarf = make_product(
        shop,
        title="Khăn thổ cẩm Mông nhuộm chàm",
        description="Dệt tay <b>từ lanh</b>.\nNhuộm chàm.",
        price=150000,
        stock=7,
    )
    certify(scarf, 4)
    if photo:
        add_photo(scarf)
    bag = make_product(
        shop,
        title="Túi đeo chéo thổ cẩm",
        variants=[
            {"options": {"cỡ": "nhỏ"}, "price": 200000, "stock": 3},
            {"options": {"cỡ": "lớn"}, "price": 250000, "stock": 0},
        ],
    )
    honey_shop = make_shop(name="Mật ong Suối Bàng", commune="Tô Múa")
    honey = make_product(honey_shop, title="Mật ong rừng", price=300000)
    draft = make_product(shop, title="Váy xòe thổ cẩm (nháp)", status="draft")
    now = utcnow()
    live = make_livestream(
        shop,
        status="live",
        title="Chốt đơn thổ cẩm tối nay",
        products=[(scarf, 129000), (bag, None), (draft, None)],
    )
    live.pinned_product_id = bag.id
    upcoming = make_livestream(
        shop,
        title="Xem dệt lanh",
        platform="tiktok",
        url="https://www.tiktok.com/@cocham/live",
        scheduled_start=now + timedelta(days=2),
    )
    ended = make_livestream(
        shop, status="ended", title="Phiên tuần trước", scheduled_start=now - timedelta(days=7)
    )
    officer = make_user("officer")
    collection = Collection(
        slug="chon-loc-cho-postmart",
        title="Chọn lọc cho Postmart",
        description="Sản phẩm OCOP tiêu biểu.",
        created_by=officer.id,
    )
    db.session.add(collection)
    db.session.flush()
    for position, product in enumerate((bag, honey, draft, scarf)):
        db.session.add(
            CollectionItem(collection_id=collection.id, product_id=product.id, position=position)
        )
    db.session.commit()
    return Market(shop, scarf, bag, honey, draft, live, upcoming, ended, collection)
