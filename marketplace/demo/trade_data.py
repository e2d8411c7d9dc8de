"""The demo world's trade: OCOP certificates, a curated collection, livestreams and orders.

Data only; ``demo.trade`` makes it through the services. Products, shops and buyers are named
by the keys of ``catalogue_data``. Dates and times are offsets from the day of loading, so the world
looks current whenever it is loaded: certificates expire so many days from today, livestreams
start so many minutes from now, and the checkouts of the past months are ``days_ago`` old.
Certificate numbers, tracking numbers, phones and names are illustrative.
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
    # Cash on delivery goes no further than Vietnam: the French buyer has her parcels sent
    # where she is staying, and the courier calls her Vietnamese number.
    "hoi-an": {
        "name": "Emma Laurent",
        "phone": "0935 120 478",
        "line1": "Homestay Sông Hoài, 18 Nguyễn Phúc Chu",
        "commune": "Phường Hội An",
        "province": "Đà Nẵng",
        "country": "VN",
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


# Local times of day at which the checkouts of past days were placed, taken in turn.
ORDER_TIMES = [(20, 40), (9, 15), (12, 5), (21, 30), (15, 50), (7, 35), (22, 10), (18, 25)]

# Hours between an order's moves and the step before it (its placing, or the move before):
# the shop confirms within hours, ships the next day, and the parcel takes days to arrive.
MOVE_DELAYS = {"confirm": 3, "ship": 20, "deliver": 72, "cancel": 2, "return": 96}


# Checkouts by the demo buyers (cash on delivery). An item is (product key, quantity, variant
# options or None, livestream key or None). ``moves``: one list for every order of the
# checkout, or a dict by shop key when it spans shops. A checkout is found again by its buyer
# and its first item's product, so no other checkout of that buyer holds that product.
# ``days_ago``: how many days before today (in Vietnam) it was placed, at one of ORDER_TIMES;
# none for today's, which keep the moment of loading. Orders from a livestream are today's,
# like the sessions they were taken in. The district sells more every month, and an order's
# moves fit in its age (see MOVE_DELAYS): older ones arrived, recent ones are on the way.
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
        "days_ago": 10,
        "address": "hoi-an",
        "items": [("vay-mong", 1, {"cỡ": "M"}, None), ("khan-pieu", 1, None, None)],
        "moves": {
            "co-cham": [confirm(), ship("VNPost EMS", "EE100200301VN")],
            "muong-men": [
                confirm(),
                ship("VNPost EMS", "EE100200302VN"),
                deliver("buyer"),
            ],
        },
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 110,
        "address": "hanoi",
        "items": [("che-shan", 1, {"khối lượng": "500 g"}, None), ("hong-tra", 2, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003041"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 76,
        "address": "saigon",
        "items": [("mat-ong-rung", 1, {"dung tích": "1 lít"}, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002005"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "address": "hanoi",
        "items": [("lon-gac-bep", 2, None, "gac-bep-ended")],
        "moves": [confirm()],
    },
    {
        "buyer": "buyer-saigon",
        "address": "saigon",
        "items": [("lap-xuong", 1, None, "gac-bep-ended"), ("cham-cheo", 3, None, "gac-bep-ended")],
        "moves": [],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 40,
        "address": "saigon",
        "items": [("ruou-tao-meo", 2, None, None)],
        "moves": [cancel("buyer", "Đặt nhầm, em muốn lấy rượu mận.")],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 2,
        "address": "hanoi",
        "items": [("cao-la-tam", 2, {"dung tích": "250 ml"}, None)],
        "moves": [confirm()],
    },
    {
        "buyer": "buyer-abroad",
        "address": "hoi-an",
        "items": [("la-tam-dao", 3, None, None)],
        "note": "A gift for my mother, please wrap it.",
        "moves": [],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 48,
        "address": "hanoi",
        "items": [("man-say", 4, None, None), ("o-mai-mo", 2, None, None)],
        "moves": [confirm(), ship("VNPost", "EB100200311VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 70,
        "address": "saigon",
        "items": [("mam-tre", 1, None, None)],
        "moves": [confirm(), cancel("owner", "Mâm bị nứt khi kiểm hàng; đã gọi điện báo khách.")],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 6,
        "address": "hanoi",
        "items": [("nep-tan", 2, None, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002013")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 25,
        "address": "saigon",
        "items": [("nam-huong", 2, None, None)],
        "moves": [
            confirm(),
            ship("Viettel Post", "VTP1002003144"),
            give_back("Khách không nghe máy, bưu tá hoàn hàng về shop.", restock=True),
        ],
    },
    # The months before: the buyers come back, oldest first.
    {
        "buyer": "buyer-hanoi",
        "days_ago": 158,
        "address": "hanoi",
        "items": [("che-xanh", 2, None, None), ("mat-ong-hoa-ban", 1, None, None)],
        "note": "Chè với mật ong em biếu bố mẹ, shop gói cẩn thận giúp em nhé.",
        "moves": [confirm(), ship("VNPost", "EB100200321VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-abroad",
        "days_ago": 132,
        "address": "hoi-an",
        "items": [("tui-thai", 2, None, None)],
        "note": "Could you add a note on how to wash them? Merci !",
        "moves": [confirm(), ship("VNPost EMS", "EE100200322VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 102,
        "address": "saigon",
        "items": [("trau-gac-bep", 1, {"khối lượng": "500 g"}, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003231"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 96,
        "address": "hanoi",
        "items": [("khan-pieu", 1, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003242"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 90,
        "address": "saigon",
        "items": [("hong-tra", 1, None, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002025"), deliver()],
    },
    {
        "buyer": "buyer-abroad",
        "days_ago": 85,
        "address": "hoi-an",
        "items": [("ao-com", 1, {"cỡ": "M"}, None)],
        "moves": [confirm(), ship("VNPost EMS", "EE100200326VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 80,
        "address": "hanoi",
        "items": [("ruou-man", 2, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003273"), deliver()],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 71,
        "address": "saigon",
        "items": [("ruou-ngo", 1, {"dung tích": "1 lít"}, None)],
        "note": "Chai thủy tinh, shop chèn xốp kỹ giúp em.",
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002028"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 67,
        "address": "hanoi",
        "items": [("tra-thao-duoc", 2, None, None), ("ngam-chan", 1, None, None)],
        "moves": [confirm(), ship("VNPost", "EB100200329VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-abroad",
        "days_ago": 63,
        "address": "hoi-an",
        "items": [("vai-lanh", 3, None, None)],
        "note": "Three metres in one piece, please.",
        "moves": [confirm(), ship("VNPost EMS", "EE100200330VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 59,
        "address": "saigon",
        "items": [("te-nuong", 2, None, None), ("xoi-mau", 1, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003314"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 55,
        "address": "hanoi",
        "items": [("lan-thuy-tien", 1, None, None)],
        "note": "Gọi em trước khi giao, chậu lan dễ gãy ạ.",
        "moves": [confirm(), ship("Viettel Post", "VTP1002003325"), deliver("buyer")],
    },
    {
        "buyer": "buyer-abroad",
        "days_ago": 52,
        "address": "hoi-an",
        "items": [("ong-hut-tre", 3, None, None), ("gio-may", 1, {"kích thước": "nhỏ"}, None)],
        "moves": [confirm(), ship("VNPost EMS", "EE100200333VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 45,
        "address": "saigon",
        "items": [("phan-hoa", 1, None, None), ("sap-ong", 1, None, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002034"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 41,
        "address": "hanoi",
        "items": [("mang-kho", 2, None, None), ("moc-nhi", 1, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003355"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 38,
        "address": "saigon",
        "items": [("dai-lung", 1, None, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002036"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 35,
        "address": "hanoi",
        "items": [("tui-cheo", 1, {"màu": "chàm"}, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003377"), deliver("buyer")],
    },
    {
        "buyer": "buyer-abroad",
        "days_ago": 32,
        "address": "hoi-an",
        "items": [("ngam-chan", 2, None, None)],
        "moves": [confirm(), ship("VNPost EMS", "EE100200338VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 29,
        "address": "saigon",
        "items": [("khan-mong", 1, None, None)],
        "note": "Quà sinh nhật, shop gói giấy kraft giúp em.",
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002039"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 26,
        "address": "hanoi",
        "items": [("com", 2, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003400"), deliver("buyer")],
    },
    {
        "buyer": "buyer-abroad",
        "days_ago": 23,
        "address": "hoi-an",
        "items": [("chan-tho-cam", 1, None, None)],
        "moves": [confirm(), ship("VNPost EMS", "EE100200341VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 20,
        "address": "saigon",
        "items": [("che-shan", 2, {"khối lượng": "200 g"}, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002042"), deliver()],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 17,
        "address": "saigon",
        "items": [("den-tre", 1, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003433"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 14,
        "address": "hanoi",
        "items": [("bach-tra", 1, None, None)],
        "moves": [confirm(), ship("VNPost", "EB100200344VN"), deliver("buyer")],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 12,
        "address": "saigon",
        "items": [("mang-chua", 2, None, None)],
        "moves": [confirm(), ship("Giao Hàng Tiết Kiệm", "GHTK.S1002045"), deliver()],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 8,
        "address": "hanoi",
        "items": [("mo-ngam", 2, None, None)],
        "moves": [confirm(), ship("Viettel Post", "VTP1002003466")],
    },
    {
        "buyer": "buyer-hanoi",
        "days_ago": 4,
        "address": "hanoi",
        "items": [("gio-may", 1, {"kích thước": "vừa"}, None)],
        "moves": [confirm()],
    },
    {
        "buyer": "buyer-saigon",
        "days_ago": 1,
        "address": "saigon",
        "items": [("moc-nhi", 2, None, None), ("mang-kho", 1, None, None)],
        "moves": [],
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
        "moves": [confirm(), ship("Xe khách Sơn La", "SL-0921")],
    },
]
