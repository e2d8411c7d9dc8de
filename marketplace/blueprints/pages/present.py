"""How the pages show things: Vietnamese prices and times, image boxes, OCOP badges, text.

Registered as Jinja filters by the package; plain functions, so they are tested on their own.
"""

from __future__ import annotations

from datetime import date, datetime

import phonenumbers
from flask import current_app
from flask_babel import get_locale, gettext
from markupsafe import Markup, escape

from marketplace.i18n import PAGE_DEFAULT
from marketplace.models import Media
from marketplace.schemas.media import MediaSchema
from marketplace.services.catalog import categories
from marketplace.services.media.imaging import VARIANT_SIZES
from marketplace.services.places import LOCAL_TZ


def N_(message: str) -> str:
    """Marks an English msgid for the catalogue; it is translated where it is shown."""
    return message


# Short weekday names, Monday first (Vietnamese write T2 … T7, CN).
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
PLATFORMS = {
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "zalo": "Zalo",
    "other": N_("another platform"),
}
LIVESTREAM_STATUSES = {
    "live": N_("Live now"),
    "scheduled": N_("Coming up"),
    "ended": N_("Ended"),
    "cancelled": N_("Cancelled"),
}
CURRENCY_SIGNS = {"VND": "₫"}


def money(amount: int | None, currency: str | None = None) -> str:
    """``150000`` → ``150.000 ₫`` (Vietnamese groups thousands with dots)."""
    if amount is None:
        return ""
    currency = currency or current_app.config["CURRENCY"]
    grouped = f"{amount:,}".replace(",", ".")
    return f"{grouped} {CURRENCY_SIGNS.get(currency, currency)}"


def local_time(moment: datetime | None) -> str:
    """``19:30 T7 29/11/2026`` (``19:30 Sat 29/11/2026`` in English) in Asia/Ho_Chi_Minh,
    however the server's clock is set."""
    if moment is None:
        return ""
    local = moment.astimezone(LOCAL_TZ)
    return f"{local:%H:%M} {gettext(WEEKDAYS[local.weekday()])} {local:%d/%m/%Y}"


def iso(moment: datetime | None) -> str:
    """The machine-readable form for ``<time datetime>``, with the local offset."""
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="minutes") if moment else ""


def day(value: date | None) -> str:
    """A day as Vietnamese write it, ``12/03/2027``; a moment's day in Asia/Ho_Chi_Minh."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return f"{value:%d/%m/%Y}"


def local_date(value: str | None) -> str:
    """``2027-03-12`` (a contract date) → ``12/03/2027``."""
    if not value:
        return ""
    year, month, day = value.split("-")
    return f"{day}/{month}/{year}"


def image_box(image: dict | None, variant: str) -> dict | None:
    """The URL and display size of one of an image's variants (``thumb``: 320 px, ``medium``:
    960 px on the longest side, never enlarged), so ``<img>`` reserves its space before it loads
    and the page does not jump on a slow connection."""
    if not image:
        return None
    longest = VARIANT_SIZES[variant]
    url = (image.get("variants") or {}).get(variant) or image["url"]
    width, height = image.get("width"), image.get("height")
    if not width or not height:
        return {"url": url, "width": longest, "height": longest}
    scale = min(1.0, longest / max(width, height))
    return {
        "url": url,
        "width": max(1, round(width * scale)),
        "height": max(1, round(height * scale)),
    }


def media_box(media: Media | None, variant: str) -> dict | None:
    """``image_box`` of a stored image (a shop's logo or cover)."""
    return image_box(MediaSchema().dump(media), variant) if media is not None else None


def ocop_badge(ocop: dict | None) -> dict | None:
    """What an OCOP badge says: stars, and whether the certificate is still valid."""
    if not ocop:
        return None
    certified = ocop["status"] == "certified"
    until = local_date(ocop["expires_on"])
    return {
        "stars": ocop["stars"],
        "certified": certified,
        "label": gettext("OCOP %(stars)s stars", stars=ocop["stars"]),
        "status": (
            gettext("Valid until %(day)s", day=until)
            if certified
            else gettext("Expired on %(day)s", day=until)
        ),
        "number": ocop["certificate_number"],
    }


def options_text(options: dict | None) -> str:
    """``{"màu": "chàm", "cỡ": "M"}`` → ``màu: chàm · cỡ: M``."""
    return " · ".join(f"{name}: {value}" for name, value in (options or {}).items())


def paragraphs(text: str | None) -> Markup:
    """Plain text as escaped paragraphs: a blank line starts a new one, a newline breaks."""
    if not text:
        return Markup("")
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks
        if block
    )


def web_link(url: str | None) -> str | None:
    """An outside link only when it is http(s): never ``javascript:`` in an ``href``."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def phone_text(e164: str | None) -> str:
    """``+84912345678`` → ``0912 345 678`` (as Vietnamese write it); foreign numbers stay
    international."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == "VN"
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def site_link(link: str | None) -> str | None:
    """A link when it is a path of this site (a notification's), never another site's."""
    if link and link.startswith("/") and not link.startswith(("//", "/\\")):
        return link
    return None


def capitalize_first(text: str) -> str:
    """``bản Cỏ Chàm`` → ``Bản Cỏ Chàm`` (the rest as written, unlike ``capitalize``)."""
    return text[:1].upper() + text[1:] if text else text


def platform_name(platform: str) -> str:
    return gettext(PLATFORMS[platform]) if platform in PLATFORMS else platform


def livestream_status(status: str) -> str:
    return gettext(LIVESTREAM_STATUSES[status]) if status in LIVESTREAM_STATUSES else status


def category_name(category: dict | None) -> str:
    """A category's name in the page's language: ``name_en`` in English when it has one."""
    if not category:
        return ""
    if page_language() == "en":
        english = category.get("name_en") or categories.english_name(category.get("slug", ""))
        if english:
            return english
    return category.get("name") or ""


def page_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else PAGE_DEFAULT


FILTERS = {
    "money": money,
    "local_time": local_time,
    "iso": iso,
    "local_date": local_date,
    "day": day,
    "image_box": image_box,
    "media_box": media_box,
    "ocop_badge": ocop_badge,
    "options_text": options_text,
    "paragraphs": paragraphs,
    "web_link": web_link,
    "phone_text": phone_text,
    "platform_name": platform_name,
    "livestream_status": livestream_status,
    "category_name": category_name,
    "capitalize_first": capitalize_first,
    "site_link": site_link,
}
