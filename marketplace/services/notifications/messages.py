"""What each notification says, in Vietnamese and English: its title and body for the in-app
list and the e-mail, and its text message.

Text messages are written without diacritics and fit one SMS: Vietnamese with its diacritics
needs UCS-2, where one message holds 70 characters; folded to plain ASCII (``Đơn mới`` →
``Don moi``, as Vietnamese SMS are commonly written) every character is one of GSM-7's basic
set, where one message holds 160. ``fit_sms`` folds the text, trims each free-text value
(names, titles), then the text itself if it must, and always keeps the link whole.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
SMS_MAX = 160
BRAND = {"vi": "Chợ Phiên", "en": "Cho Phien"}

# GSM-7's extended characters cost two units and some phones show them badly; the backtick is
# not in GSM-7 at all. Each is replaced by a basic look-alike.
_GSM_REPLACEMENTS = str.maketrans(
    {"[": "(", "]": ")", "{": "(", "}": ")", "\\": "/", "|": "/", "^": "", "~": "-", "`": "'"}
)
_PRINTABLE_ASCII = frozenset(chr(code) for code in range(32, 127)) | {"\n"}
# How long each free-text value may be in a text message (after folding).
_SMS_FIELD_LIMITS = {
    "buyer": 24,
    "shop": 28,
    "items": 32,
    "title": 40,
    "product": 32,
    "carrier": 16,
    "tracking_number": 24,
    "reason": 40,
    "certificate_number": 20,
    "officer": 24,
}
_PLATFORMS = {
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "zalo": "Zalo",
    "other": {"vi": "mạng xã hội", "en": "social media"},
}


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@dataclass(frozen=True)
class Template:
    title: str
    body: str
    sms: str


def _t(title: str, body: str, sms: str) -> Template:
    return Template(title, body, sms)


# (kind, variant) → locale → template. The variant says who reads it or what was decided.
TEMPLATES: dict[tuple[str, str | None], dict[str, Template]] = {
    ("order_placed", None): {
        "vi": _t(
            "Đơn hàng mới #{ref}",
            "{buyer} đặt {items}, tổng {total}, thanh toán khi nhận hàng. Hãy xác nhận đơn.",
            "{brand}: don moi #{ref} {total}, {items}. Xac nhan:",
        ),
        "en": _t(
            "New order #{ref}",
            "{buyer} ordered {items}, {total} in total, cash on delivery. Please confirm it.",
            "{brand}: new order #{ref} {total}, {items}. Confirm:",
        ),
    },
    ("payment_received", None): {
        "vi": _t(
            "Đơn #{ref} đã được thanh toán",
            "Đã nhận {total} cho đơn #{ref} của {buyer} ({items}). Hãy chuẩn bị và xác nhận đơn.",
            "{brand}: don #{ref} da thanh toan {total}, {items}. Xac nhan:",
        ),
        "en": _t(
            "Order #{ref} is paid",
            "{total} received for order #{ref} from {buyer} ({items}). Please prepare and "
            "confirm it.",
            "{brand}: order #{ref} paid {total}, {items}. Confirm:",
        ),
    },
    ("order_confirmed", None): {
        "vi": _t(
            "Đơn #{ref} đã được xác nhận",
            "{shop} đã xác nhận đơn hàng của bạn ({items}) và sẽ sớm gửi đi.",
            "{brand}: {shop} da xac nhan don #{ref}. Xem:",
        ),
        "en": _t(
            "Order #{ref} confirmed",
            "{shop} confirmed your order ({items}) and will ship it soon.",
            "{brand}: {shop} confirmed order #{ref}. See:",
        ),
    },
    ("order_shipped", None): {
        "vi": _t(
            "Đơn #{ref} đang được giao",
            "{shop} đã gửi đơn hàng của bạn qua {carrier}, mã vận đơn {tracking_number}.",
            "{brand}: don #{ref} da gui qua {carrier}, ma van don {tracking_number}. Xem:",
        ),
        "en": _t(
            "Order #{ref} shipped",
            "{shop} shipped your order with {carrier}, tracking number {tracking_number}.",
            "{brand}: order #{ref} shipped with {carrier}, tracking {tracking_number}. See:",
        ),
    },
    # Shipped by the shop's own hands (no carrier), or by a carrier without a tracking number
    # (a parcel handed in at the post office).
    ("order_shipped", "by_shop"): {
        "vi": _t(
            "Đơn #{ref} đang được giao",
            "{shop} đang tự mang đơn hàng đến cho bạn.",
            "{brand}: {shop} dang mang don #{ref} den ban. Xem:",
        ),
        "en": _t(
            "Order #{ref} shipped",
            "{shop} is bringing your order to you.",
            "{brand}: {shop} is bringing order #{ref} to you. See:",
        ),
    },
    ("order_shipped", "untracked"): {
        "vi": _t(
            "Đơn #{ref} đang được giao",
            "{shop} đã gửi đơn hàng của bạn qua {carrier}.",
            "{brand}: don #{ref} da gui qua {carrier}. Xem:",
        ),
        "en": _t(
            "Order #{ref} shipped",
            "{shop} shipped your order with {carrier}.",
            "{brand}: order #{ref} shipped with {carrier}. See:",
        ),
    },
    ("order_delivered", "buyer"): {
        "vi": _t(
            "Đơn #{ref} đã giao",
            "Đơn hàng của {shop} ({items}) đã được giao. Cảm ơn bạn đã mua hàng!",
            "{brand}: don #{ref} da giao. Cam on ban! Xem:",
        ),
        "en": _t(
            "Order #{ref} delivered",
            "Your order from {shop} ({items}) was delivered. Thank you!",
            "{brand}: order #{ref} delivered. Thank you! See:",
        ),
    },
    ("order_delivered", "owner"): {
        "vi": _t(
            "Đơn #{ref} đã giao",
            "{buyer} đã xác nhận nhận được đơn #{ref} ({items}).",
            "{brand}: {buyer} da nhan don #{ref}. Xem:",
        ),
        "en": _t(
            "Order #{ref} delivered",
            "{buyer} confirmed receiving order #{ref} ({items}).",
            "{brand}: {buyer} received order #{ref}. See:",
        ),
    },
    ("order_cancelled", "buyer"): {
        "vi": _t(
            "Đơn #{ref} đã bị huỷ",
            "{shop} đã huỷ đơn hàng của bạn ({items}){reason}.",
            "{brand}: don #{ref} cua {shop} da bi huy{reason}. Xem:",
        ),
        "en": _t(
            "Order #{ref} cancelled",
            "{shop} cancelled your order ({items}){reason}.",
            "{brand}: order #{ref} from {shop} was cancelled{reason}. See:",
        ),
    },
    ("order_cancelled", "owner"): {
        "vi": _t(
            "Khách đã huỷ đơn #{ref}",
            "{buyer} đã huỷ đơn #{ref} ({items}){reason}. Hàng đã trở lại kho.",
            "{brand}: {buyer} da huy don #{ref}{reason}. Xem:",
        ),
        "en": _t(
            "Order #{ref} cancelled by the buyer",
            "{buyer} cancelled order #{ref} ({items}){reason}. The stock is back.",
            "{brand}: {buyer} cancelled order #{ref}{reason}. See:",
        ),
    },
    ("order_returned", None): {
        "vi": _t(
            "Đơn #{ref} đã được hoàn trả",
            "{shop} đã ghi nhận đơn hàng ({items}) được trả lại{reason}.",
            "{brand}: don #{ref} da duoc hoan tra{reason}. Xem:",
        ),
        "en": _t(
            "Order #{ref} returned",
            "{shop} recorded your order ({items}) as returned{reason}.",
            "{brand}: order #{ref} was returned{reason}. See:",
        ),
    },
    ("livestream_starting", None): {
        "vi": _t(
            "{shop} đang livestream",
            "{title} — đang phát trực tiếp trên {platform}. Vào xem và chốt đơn!",
            "{brand}: {shop} dang livestream: {title}. Xem:",
        ),
        "en": _t(
            "{shop} is live now",
            "{title} — live on {platform} now. Join in and order!",
            "{brand}: {shop} is live: {title}. Watch:",
        ),
    },
    ("ocop_expiring", None): {
        "vi": _t(
            "Chứng nhận OCOP sắp hết hạn",
            "Chứng nhận OCOP {stars} sao số {certificate_number} của {product} hết hạn ngày "
            "{expires_on} (còn {days} ngày). Hãy làm hồ sơ gia hạn.",
            "{brand}: chung nhan OCOP {stars} sao cua {product} het han {expires_on}. Gia han:",
        ),
        "en": _t(
            "OCOP certificate expiring",
            "The {stars}-star OCOP certificate {certificate_number} of {product} expires on "
            "{expires_on} ({days} days left). Apply to renew it.",
            "{brand}: {stars}-star OCOP certificate of {product} expires {expires_on}. Renew:",
        ),
    },
    ("ocop_decided", "approved"): {
        "vi": _t(
            "{product} đạt OCOP {stars} sao",
            "Hồ sơ OCOP của {product} đã được duyệt: {stars} sao, chứng nhận số "
            "{certificate_number}.{note}",
            "{brand}: {product} dat OCOP {stars} sao. Xem:",
        ),
        "en": _t(
            "{product} is OCOP {stars}-star certified",
            "The OCOP application of {product} was approved: {stars} stars, certificate "
            "{certificate_number}.{note}",
            "{brand}: {product} is OCOP {stars}-star certified. See:",
        ),
    },
    ("ocop_decided", "rejected"): {
        "vi": _t(
            "Hồ sơ OCOP của {product} chưa được duyệt",
            "Hồ sơ OCOP của {product} chưa được duyệt. Lý do: {reason_text}",
            "{brand}: ho so OCOP cua {product} chua duoc duyet. Ly do: {reason_text}. Xem:",
        ),
        "en": _t(
            "OCOP application of {product} not approved",
            "The OCOP application of {product} was not approved. Reason: {reason_text}",
            "{brand}: OCOP application of {product} not approved: {reason_text}. See:",
        ),
    },
    ("assisted_change", "opened"): {
        "vi": _t(
            "Cán bộ {officer} đang giúp cửa hàng",
            "Cán bộ {officer} của phòng Kinh tế được giúp {shop} đăng và sửa sản phẩm, "
            "livestream đến ngày {expires_on}. Bạn có thể dừng việc này bất cứ lúc nào.",
            "{brand}: can bo {officer} giup {shop} dang san pham den {expires_on}. Xem:",
        ),
        "en": _t(
            "Officer {officer} is helping your shop",
            "Officer {officer} of the trade office may list and edit the products and "
            "livestreams of {shop} until {expires_on}. You can end this at any time.",
            "{brand}: officer {officer} helps {shop} list products until {expires_on}. See:",
        ),
    },
    ("assisted_change", "ended"): {
        "vi": _t(
            "Đã dừng giúp cửa hàng",
            "Cán bộ {officer} không còn thay mặt {shop} đăng sản phẩm nữa.",
            "{brand}: can bo {officer} da dung giup {shop}. Xem:",
        ),
        "en": _t(
            "Assistance ended",
            "Officer {officer} no longer acts for {shop}.",
            "{brand}: officer {officer} no longer acts for {shop}. See:",
        ),
    },
    ("assisted_change", "product_created"): {
        "vi": _t(
            "Cán bộ đã đăng sản phẩm {title}",
            "Cán bộ {officer} đã đăng sản phẩm {title} cho {shop}. Hãy xem lại.",
            "{brand}: can bo {officer} da dang {title}. Xem:",
        ),
        "en": _t(
            "An officer listed {title}",
            "Officer {officer} listed {title} for {shop}. Please check it.",
            "{brand}: officer {officer} listed {title}. See:",
        ),
    },
    ("assisted_change", "product_updated"): {
        "vi": _t(
            "Cán bộ đã sửa sản phẩm {title}",
            "Cán bộ {officer} đã sửa sản phẩm {title} của {shop}. Hãy xem lại.",
            "{brand}: can bo {officer} da sua {title}. Xem:",
        ),
        "en": _t(
            "An officer edited {title}",
            "Officer {officer} edited {title} of {shop}. Please check it.",
            "{brand}: officer {officer} edited {title}. See:",
        ),
    },
    ("assisted_change", "livestream_created"): {
        "vi": _t(
            "Cán bộ đã lên lịch livestream {title}",
            "Cán bộ {officer} đã lên lịch livestream {title} cho {shop}. Hãy xem lại.",
            "{brand}: can bo {officer} da len lich livestream {title}. Xem:",
        ),
        "en": _t(
            "An officer scheduled {title}",
            "Officer {officer} scheduled the livestream {title} for {shop}. Please check it.",
            "{brand}: officer {officer} scheduled livestream {title}. See:",
        ),
    },
    ("assisted_change", "livestream_updated"): {
        "vi": _t(
            "Cán bộ đã sửa livestream {title}",
            "Cán bộ {officer} đã sửa livestream {title} của {shop}. Hãy xem lại.",
            "{brand}: can bo {officer} da sua livestream {title}. Xem:",
        ),
        "en": _t(
            "An officer edited {title}",
            "Officer {officer} edited the livestream {title} of {shop}. Please check it.",
            "{brand}: officer {officer} edited livestream {title}. See:",
        ),
    },
}

PASSWORD_RESET = {
    "vi": _t(
        "Mã đặt lại mật khẩu Chợ Phiên",
        "Mã đặt lại mật khẩu của bạn là {code}. Mã có hiệu lực 15 phút và chỉ dùng được một "
        "lần. Đừng đưa mã này cho ai. Nếu bạn không yêu cầu, hãy bỏ qua thư này.",
        "{brand}: ma dat lai mat khau cua ban la {code}, hieu luc 15 phut. Khong dua ma nay "
        "cho ai.",
    ),
    "en": _t(
        "Your Chợ Phiên password reset code",
        "Your password reset code is {code}. It is valid for 15 minutes, once. Do not share "
        "it with anyone. If you did not ask for it, ignore this message.",
        "{brand}: your password reset code is {code}, valid for 15 minutes. Do not share it.",
    ),
}

EMAIL_FOOTER = {
    "vi": "— Chợ Phiên\nBạn có thể chọn cách nhận thông báo trong tài khoản của mình.",
    "en": "— Chợ Phiên\nYou can choose how you get notifications in your account.",
}


# --- values --------------------------------------------------------------------------------------


def locale_of(value: str | None) -> str:
    return value if value in LOCALES else DEFAULT_LOCALE


def money(amount: int, currency: str, locale: str, *, sms: bool = False) -> str:
    """``250.000 ₫`` in Vietnamese, ``250,000 ₫`` in English; ``250.000 VND`` in a text."""
    grouped = f"{amount:,}"
    if locale == "vi":
        grouped = grouped.replace(",", ".")
    if currency == "VND":
        return f"{grouped} VND" if sms else f"{grouped} ₫"
    return f"{grouped} {currency}"


def day(value: str, locale: str) -> str:
    """An ISO date as people write it: ``12/03/2027`` in Vietnamese, ``12 Mar 2027`` in English."""
    parsed = date.fromisoformat(value)
    if locale == "vi":
        return parsed.strftime("%d/%m/%Y")
    return f"{parsed.day} {parsed.strftime('%b %Y')}"


def _items(params: dict, locale: str) -> str:
    first = f"{params.get('first_item', '')} x{params.get('first_quantity', 1)}"
    more = params.get("more_items") or 0
    if not more:
        return first
    return f"{first} và {more} sản phẩm khác" if locale == "vi" else f"{first} and {more} more"


def _reason(params: dict, locale: str) -> str:
    reason = (params.get("reason") or "").strip()
    if not reason:
        return ""
    return f" (lý do: {reason})" if locale == "vi" else f" (reason: {reason})"


def _values(params: dict, locale: str, *, sms: bool) -> dict[str, str]:
    values = {key: "" if value is None else str(value) for key, value in params.items()}
    values["brand"] = BRAND[locale]
    if "total" in params:
        values["total"] = money(params["total"], params.get("currency", "VND"), locale, sms=sms)
    if "first_item" in params:
        values["items"] = _items(params, locale)
    values["reason"] = _reason(params, locale)
    values["reason_text"] = (params.get("reason") or "").strip() or "—"
    if params.get("expires_on"):
        values["expires_on"] = day(params["expires_on"], locale)
    platform = _PLATFORMS.get(params.get("platform") or "other", _PLATFORMS["other"])
    values["platform"] = platform if isinstance(platform, str) else platform[locale]
    note = (params.get("note") or "").strip()
    values["note"] = f" {note}" if note else ""
    if sms:
        for name, limit in _SMS_FIELD_LIMITS.items():
            if name in values:
                values[name] = _shorten(gsm_text(values[name]), limit)
    return values


def _template(kind: str, params: dict, locale: str) -> Template:
    variants = TEMPLATES.get((kind, params.get("variant"))) or TEMPLATES[(kind, None)]
    return variants[locale]


# --- rendering -----------------------------------------------------------------------------------


def render(kind: str, params: dict, locale: str) -> Text:
    """The title and body of a notification in ``locale``."""
    locale = locale_of(locale)
    template = _template(kind, params, locale)
    values = _values(params, locale, sms=False)
    return Text(template.title.format_map(values), template.body.format_map(values))


def sms(kind: str, params: dict, locale: str, url: str | None) -> str:
    """The notification as one text message: GSM-7, at most 160 characters, link last."""
    locale = locale_of(locale)
    template = _template(kind, params, locale)
    return fit_sms(template.sms.format_map(_values(params, locale, sms=True)), url)


def email(kind: str, params: dict, locale: str, url: str | None) -> tuple[str, str]:
    """The notification as an e-mail: subject and plain-text body with the link."""
    locale = locale_of(locale)
    text = render(kind, params, locale)
    parts = [text.body]
    if url:
        parts.append(url)
    parts.append(EMAIL_FOOTER[locale])
    return text.title, "\n\n".join(parts)


def password_reset(code: str, locale: str) -> Template:
    """The reset code's e-mail subject and body, and its text message."""
    locale = locale_of(locale)
    template = PASSWORD_RESET[locale]
    values = {"code": code, "brand": BRAND[locale]}
    return Template(
        template.title.format_map(values),
        f"{template.body.format_map(values)}\n\n{EMAIL_FOOTER[locale]}",
        fit_sms(template.sms.format_map(values), None),
    )


# --- text messages -------------------------------------------------------------------------------


def gsm_text(text: str) -> str:
    """Vietnamese folded to GSM-7's basic characters: ``Thổ cẩm Đỏ`` → ``Tho cam Do``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("—", "-").replace("–", "-").replace("…", "...").replace("₫", "d")
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    text = text.translate(_GSM_REPLACEMENTS)
    return "".join(ch if ch in _PRINTABLE_ASCII else "?" for ch in text)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 3].rstrip() + "..."


def fit_sms(text: str, url: str | None) -> str:
    """``text`` then ``url``, folded to GSM-7 and cut to one message; the link is kept whole."""
    text = " ".join(gsm_text(text).split())
    link = gsm_text(url) if url else ""
    room = SMS_MAX - (len(link) + 1 if link else 0)
    if len(text) > room:
        text = _shorten(text, max(room, 0))
    return f"{text} {link}" if link else text
