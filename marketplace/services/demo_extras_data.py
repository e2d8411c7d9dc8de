"""The demo world's trade: OCOP certificates, a curated collection, livestreams and orders.

Data only; ``demo_extras`` makes it through the services. Products, shops and buyers are named
by the keys of ``demo_data``. Dates and times are offsets from the moment of loading, so the
world looks current whenever it is loaded. Certificate numbers, tracking numbers, phones and
names are illustrative.
"""

from __future__ import annotations

PROVINCE = "UBND tỉnh Sơn La"
NATION = "Bộ Nông nghiệp và Môi trường"

# OCOP applications: product key, stars claimed, certificate number, issuer, days until the
# certificate expires (36 months after it was issued; negative: already expired), and the
# trade office's verdict: ("approve", stars or None for as claimed, note) or
# ("reject", reason) or ("pending",).
CERTIFICATES = [
    ("che-shan", 5, "1187/QĐ-BNNMT", NATION, 930, ("approve", None, None)),
    ("khan-mong", 4, "2145/QĐ-UBND", PROVINCE, 820, ("approve", None, None)),
    ("khan-pieu", 4, "2146/QĐ-UBND", PROVINCE, 820, ("approve", None, None)),
    ("hong-tra", 4, "1532/QĐ-UBND", PROVINCE, 610, ("approve", None, None)),
    ("trau-gac-bep", 4, "1533/QĐ-UBND", PROVINCE, 610, ("approve", None, None)),
    ("la-tam-dao", 4, "0978/QĐ-UBND", PROVINCE, 430, ("approve", None, None)),
    (
        "vay-mong",
        4,
        "2147/QĐ-UBND",
        PROVINCE,
        820,
        ("approve", 3, "Hồ sơ chấm 68/100 điểm: xếp hạng 3 sao, chưa đủ 4 sao."),
    ),
    ("man-say", 3, "0979/QĐ-UBND", PROVINCE, 430, ("approve", None, None)),
    ("nep-tan", 3, "2301/QĐ-UBND", PROVINCE, 960, ("approve", None, None)),
    # Lapses within 60 days: the trade office's reminder list shows it.
    ("mat-ong-rung", 4, "0412/QĐ-UBND", PROVINCE, 45, ("approve", None, None)),
    # Already lapsed: kept on record, shown as expired, counts for nothing.
    (
        "ruou-ngo",
        3,
        "0188/QĐ-UBND",
        PROVINCE,
        -20,
        ("approve", None, "Giấy chứng nhận đã hết hạn; lưu hồ sơ để cơ sở đánh giá lại."),
    ),
    ("cao-la-tam", 3, "2388/QĐ-UBND", PROVINCE, 1000, ("pending",)),
    (
        "ruou-tao-meo",
        3,
        "2390/QĐ-UBND",
        PROVINCE,
        1000,
        ("reject", "Thiếu phiếu kiểm nghiệm an toàn thực phẩm còn hiệu lực."),
    ),
]

# The curated collection: its certified, unexpired products, most stars first.
COLLECTION = {
    "title": "Chọn lọc cho Postmart",
    "slug": "chon-loc-cho-postmart",
    "description": (
        "Sản phẩm OCOP từ 3 sao của huyện Vân Hồ còn hạn chứng nhận, đủ hồ sơ để đưa lên sàn "
        "Postmart của Bưu điện Việt Nam."
    ),
}

# Livestreams: key, shop key, fields, featured products [(product key, live price or None)],
# pinned product key, and what becomes of the session: "live" (started at loading), "ended"
# (started, given its orders, then ended), or "scheduled". Times: ``starts`` is (days from
# today, local hour, minute) or minutes from now; ``minutes`` the planned length.
LIVESTREAMS = [
    {
        "key": "co-cham-live",
        "shop": "co-cham",
        "title": "Chốt đơn thổ cẩm Cỏ Chàm tối nay",
        "platform": "facebook",
        "url": "https://www.facebook.com/thocamcocham.demo/videos/1001",
        "description": "Chị Sấu giới thiệu khăn, túi và vỏ gối mới dệt; giá live chỉ tối nay.",
        "starts": -25,
        "minutes": 120,
        "products": [("khan-mong", 239000), ("tui-cheo", 279000), ("goi-tua", 199000)],
        "pinned": "khan-mong",
        "becomes": "live",
    },
    {
        "key": "gac-bep-ended",
        "shop": "gac-bep",
        "title": "Thịt gác bếp Chiềng Khoa: chốt đơn trước mùa mưa",
        "platform": "facebook",
        "url": "https://www.facebook.com/gacbepchiengkhoa.demo/videos/2002",
        "starts": -100,
        "minutes": 120,
        "products": [
            ("trau-gac-bep", None),
            ("lon-gac-bep", 349000),
            ("lap-xuong", 229000),
            ("cham-cheo", None),
        ],
        "pinned": None,
        "becomes": "ended",
    },
    {
        "key": "muong-men-tiktok",
        "shop": "muong-men",
        "title": "Khăn piêu Mường Men: xem thêu cút piêu",
        "platform": "tiktok",
        "url": "https://www.tiktok.com/@khanpieumuongmen.demo/live",
        "starts": (1, 20, 0),
        "minutes": 90,
        "products": [("khan-pieu", 399000), ("tui-thai", 189000), ("ao-com", None)],
        "pinned": None,
        "becomes": "scheduled",
    },
    {
        "key": "to-mua-youtube",
        "shop": "che-to-mua",
        "title": "Pha chè Shan tuyết cùng anh Tuấn",
        "platform": "youtube",
        "url": "https://www.youtube.com/watch?v=ShanTuyetDemo",
        "starts": (3, 19, 30),
        "minutes": 60,
        "products": [("hong-tra", 229000), ("bach-tra", 590000), ("che-shan", None)],
        "pinned": None,
        "becomes": "scheduled",
    },
    {
        "key": "la-tam-facebook",
        "shop": "la-tam",
        "title": "Lá tắm người Dao: bài thuốc và cách dùng",
        "platform": "facebook",
        "url": "https://www.facebook.com/latamdaochiengxuan.demo/videos/3003",
        "starts": (4, 20, 30),
        "minutes": 60,
        "products": [("la-tam-dao", 99000), ("ngam-chan", 79000)],
        "pinned": None,
        "becomes": "scheduled",
    },
]

ADDRESSES = {
    "hanoi": {
        "name": "Nguyễn Minh Anh",
        "phone": "0912 000 101",
        "line1": "Số 12 ngõ 34 phố Hàng Bông",
        "commune": "Phường Hoàn Kiếm",
        "province": "Hà Nội",
        "country": "VN",
    },
    "saigon": {
        "name": "Trần Thu Hà",
        "phone": "0912 000 102",
        "line1": "45 đường Nguyễn Thị Minh Khai",
        "commune": "Phường Bến Thành",
        "province": "Thành phố Hồ Chí Minh",
        "country": "VN",
    },
    "paris": {
        "name": "Emma Laurent",
        "phone": "+33 6 12 34 56 78",
        "line1": "18 rue des Martyrs",
        "province": "Île-de-France",
        "postal_code": "75009",
        "country": "FR",
    },
    "pa-co": {
        "line1": "Bản Pà Cò",
        "commune": "Pà Cò",
        "province": "Phú Thọ",
        "country": "VN",
    },
    "son-la": {
        "line1": "Tổ 5, phường Chiềng Lề",
        "commune": "Phường Tô Hiệu",
        "province": "Sơn La",
        "country": "VN",
    },
}


# The moves an order makes after it is placed, in order; the actor is the shop's owner unless
# "buyer" is named.
def confirm() -> tuple:
    return ("confirm", "owner", {})


def ship(carrier: str, tracking_number: str) -> tuple:
    return ("ship", "owner", {"carrier": carrier, "tracking_number": tracking_number})


def deliver(by: str = "owner") -> tuple:
    return ("deliver", by, {})


def cancel(by: str, reason: str) -> tuple:
    return ("cancel", by, {"reason": reason})


def give_back(reason: str, restock: bool) -> tuple:
    return ("return", "owner", {"reason": reason, "restock": restock})


# Checkouts by the demo buyers (cash on delivery). An item is (product key, quantity, variant
# options or None, livestream key or None). ``moves``: one list for every order of the
# checkout, or a dict by shop key when it spans shops. A checkout is found again by its buyer
# and its first item's product, so no two checkouts here share those.
CHECKOUTS = [
    {
        "buyer": "buyer-hanoi",
        "address": "hanoi",
        "items": [("khan-mong", 1, None, "co-cham-live")],
        "moves": [],
    },
    {
        "buyer": "buyer-saigon",
        "address": "saigon",
        "items": [("goi-tua", 2, None, "co-cham-live")],
        "note": "Giao giờ hành chính giúp em.",
        "moves": [confirm()],
    },
    {
        "buyer": "buyer-abroad",
        "address": "paris",
        "items": [("vay-mong", 1, {"cỡ": "M"}, None), ("khan-pieu", 1, None, None)],
        "moves": {
            "co-cham": [confirm(), ship("VNPost EMS quốc tế", "EE100200301VN")],
            "muong-men": [
                confirm(),
                ship("VNPost EMS quốc tế", "EE100200302VN"),
                deliver("buyer"),
            ],
        },
    },
    {
        "buyer": "buyer-hanoi",
        "address": "hanoi",
        "items": [("che-shan", 1, {"khối lượng": "500 g"}, None), ("hong-tra", 2, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003041"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "address": "saigon",
        "items": [("mat-ong-rung", 1, {"dung tích": "1 lít"}, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002005"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "address": "hanoi",
        "items": [("lon-gac-bep", 2, None, "gac-bep-ended")],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003062"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "address": "saigon",
        "items": [("lap-xuong", 1, None, "gac-bep-ended"), ("cham-cheo", 3, None, "gac-bep-ended")],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002007")],
    },
    {
        "buyer": "buyer-saigon",
        "address": "saigon",
        "items": [("ruou-tao-meo", 2, None, None)],
        "moves": [cancel("buyer", "Đặt nhầm, em muốn lấy rượu mận.")],
    },
    {
        "buyer": "buyer-hanoi",
        "address": "hanoi",
        "items": [("cao-la-tam", 2, {"dung tích": "250 ml"}, None)],
        "moves": [confirm()],
    },
    {
        "buyer": "buyer-abroad",
        "address": "paris",
        "items": [("la-tam-dao", 3, None, None)],
        "note": "A gift for my mother, please wrap it.",
        "moves": [],
    },
    {
        "buyer": "buyer-hanoi",
        "address": "hanoi",
        "items": [("man-say", 4, None, None), ("o-mai-mo", 2, None, None)],
        "moves": [confirm(), ship("VNPost", "EB100200311VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "address": "saigon",
        "items": [("mam-tre", 1, None, None)],
        "moves": [confirm(), cancel("owner", "Mâm bị nứt khi kiểm hàng; đã gọi điện báo khách.")],
    },
    {
        "buyer": "buyer-hanoi",
        "address": "hanoi",
        "items": [("nep-tan", 2, None, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002013")],
    },
    {
        "buyer": "buyer-saigon",
        "address": "saigon",
        "items": [("nam-huong", 2, None, None)],
        "moves": [
            confirm(),
            ship("Viettel Post", "VTP1002003144"),
            give_back("Khách không nghe máy, bưu tá hoàn hàng về shop.", restock=True),
        ],
    },
]

# Orders the sellers took from comments while live (``product``: the one the comment's code
# names, for its variant). A claim is found again by its livestream and comment. The second
# buyer's phone is the Hà Nội buyer's: that order is linked to her account.
CLAIMS = [
    {
        "livestream": "co-cham-live",
        "comment": "chốt A2 x1 màu đỏ nha chị",
        "product": "tui-cheo",
        "variant": {"màu": "đỏ"},
        "buyer_name": "Vàng Thị Dua",
        "buyer_phone": "0912 000 301",
        "address": "pa-co",
        "moves": [confirm()],
    },
    {
        "livestream": "co-cham-live",
        "comment": "A1 x2 em lấy",
        "product": "khan-mong",
        "variant": None,
        "buyer_name": "Minh Anh",
        "buyer_phone": "0912 000 101",
        "address": "hanoi",
        "moves": [],
    },
    {
        "livestream": "gac-bep-ended",
        "comment": "chốt A1 x1 loại 1 cân",
        "product": "trau-gac-bep",
        "variant": {"khối lượng": "1 kg"},
        "buyer_name": "Lê Văn Nam",
        "buyer_phone": "0912 000 302",
        "address": "son-la",
        "moves": [confirm(), ship("Xe khách Sơn La", "SL-0921"), deliver()],
    },
]
