"""Printable traceability labels: a QR code of the product's public page, its name and maker.

One layout, two renderings: SVG (the ``labels/product.svg`` template: sharp at any size, for
printers and browsers) and PNG (drawn here with Pillow, for phones and label printers that take
pictures). The layout is measured in tenths of a millimetre, the SVG's user units, on an
80 × 40 mm label; the PNG draws it at ``PNG_SCALE`` pixels per unit (about 380 dpi).

The label carries what stays true as long as the jar or scarf it is stuck on: the product's
name, its maker and place, and the trace code. OCOP stars are left to the page the QR code
opens, which tells whether the certificate is still valid.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO

import segno
from PIL import Image, ImageDraw, ImageFont

from marketplace.models import Product, User
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog.trace import grouped
from marketplace.services.permissions import require_shop_owner_or_staff

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 800, 400
FRAME_INSET, FRAME_RADIUS, FRAME_STROKE = 4, 24, 3
# The QR code's square on the left, its quiet zone (4 modules, as the standard asks) inside it.
QR_BOX, QR_QUIET_ZONE = HEIGHT, 4
TEXT_LEFT, TEXT_RIGHT = QR_BOX, WIDTH - 32
TITLE_LINES = 3
PNG_SCALE = 1.5
INK, MUTED = "#000000", "#444444"

# Fonts that draw every Vietnamese letter (Debian: fonts-dejavu-core, fonts-liberation2), found
# by Pillow in the system's font folders; the SVG names the same family first.
FONT_FILES = {
    "regular": ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf"),
    "bold": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "NotoSans-Bold.ttf"),
    "mono": ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf", "NotoSansMono-Bold.ttf"),
}
SVG_FONT_FAMILIES = {
    "regular": "DejaVu Sans, Verdana, Arial, sans-serif",
    "bold": "DejaVu Sans, Verdana, Arial, sans-serif",
    "mono": "DejaVu Sans Mono, Menlo, Consolas, monospace",
}


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float
    y: float  # the baseline
    size: int
    style: str  # a key of FONT_FILES
    fill: str = INK

    @property
    def font_family(self) -> str:
        return SVG_FONT_FAMILIES[self.style]

    @property
    def bold(self) -> bool:
        return self.style in ("bold", "mono")


@dataclass(frozen=True)
class QrRun:
    """``length`` dark modules in a row, from module (``x``, ``y``)."""

    x: int
    y: int
    length: int


@dataclass(frozen=True)
class Label:
    url: str
    trace_code: str
    description: str  # the whole of what the label says, for the SVG's <title>
    lines: tuple[TextLine, ...]
    qr_runs: tuple[QrRun, ...]
    qr_modules: int  # modules on a side, quiet zone excluded

    width: int = WIDTH
    height: int = HEIGHT
    frame_inset: int = FRAME_INSET
    frame_radius: int = FRAME_RADIUS
    frame_stroke: int = FRAME_STROKE

    @property
    def module(self) -> float:
        """A module's side in label units."""
        return QR_BOX / (self.qr_modules + 2 * QR_QUIET_ZONE)

    @property
    def qr_offset(self) -> float:
        return QR_QUIET_ZONE * self.module

    @property
    def qr_path(self) -> str:
        """The dark modules as one SVG path, in modules (the template scales it)."""
        return "".join(f"M{r.x} {r.y}h{r.length}v1h-{r.length}z" for r in self.qr_runs)


def printable(text: str | None) -> str:
    """Text as a label can print it: composed (NFC, one code point per Vietnamese letter),
    without control or format characters (which XML forbids or which reorder text), spaces
    squeezed."""
    if not text:
        return ""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in unicodedata.normalize("NFC", text)
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    return " ".join(kept.split())


def place_of(shop) -> str:
    """``Bản Cỏ Chàm, xã Lóng Luông, Sơn La`` (the province when the shop has one)."""
    parts = []
    if shop.village:
        parts.append(f"Bản {printable(shop.village)}")
    commune = printable(shop.commune)
    if commune.split(" ", 1)[0].lower() in ("xã", "phường", "đặc"):
        parts.append(commune)  # the official name says its unit: "Xã Vân Hồ", "Phường Sa Pa"
    else:
        parts.append(f"xã {commune}" if parts else f"Xã {commune}")
    province = printable(getattr(shop, "province", None))
    if province:
        parts.append(province)
    return ", ".join(parts)


def label_for(user: User, product_id: str, public_base_url: str) -> Label:
    """The label of a product its shop's owner or the trade office asks for (404 for a product
    the caller may not see, 403 for one they may see but not label)."""
    product = catalog.product_for(user, product_id)
    require_shop_owner_or_staff(user, product.shop)
    return layout(product, f"{public_base_url.rstrip('/')}/t/{product.trace_code}")


def layout(product: Product, url: str) -> Label:
    """Where everything goes on the label; text is measured with the fonts the PNG uses."""
    qr = segno.make(url, error="m", micro=False)
    title = printable(product.title)
    shop_name = printable(product.shop.name)
    place = place_of(product.shop)
    code = grouped(product.trace_code)
    width = TEXT_RIGHT - TEXT_LEFT

    lines: list[TextLine] = []
    y = 72
    for text in wrap(title, _fits("bold", 36, width), TITLE_LINES):
        lines.append(TextLine(text, TEXT_LEFT, y, 36, "bold"))
        y += 44
    y += 4
    for text, size in ((shop_name, 28), (place, 24)):
        (fitted,) = wrap(text, _fits("regular", size, width), 1) or [""]
        lines.append(TextLine(fitted, TEXT_LEFT, y, size, "regular"))
        y += size + 10
    lines.append(TextLine(code, TEXT_LEFT, 340, 44, "mono"))
    lines.append(TextLine("Quét mã để xem nguồn gốc", TEXT_LEFT, 376, 20, "regular", MUTED))
    return Label(
        url=url,
        trace_code=code,
        description=f"{title} — {shop_name}, {place} · {code}",
        lines=tuple(lines),
        qr_runs=tuple(_runs(qr.matrix)),
        qr_modules=len(qr.matrix),
    )


def _runs(matrix) -> list[QrRun]:
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(QrRun(start, y, x - start))
            else:
                x += 1
    return runs


# --- text ---------------------------------------------------------------------------------------


# Shared by the threads of a worker: Pillow keeps the GIL in its FreeType calls (only
# free-threaded Python needed a lock, Pillow #9497).
@cache
def font(style: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first installed font of ``style`` at ``size`` pixels, or Pillow's own as a last
    resort (which lacks some Vietnamese letters: install fonts-dejavu-core)."""
    for name in FONT_FILES[style]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    log.warning("no font of %s found for labels; using Pillow's default", FONT_FILES[style])
    return ImageFont.load_default(size)


def _fits(style: str, size: int, width: float) -> Callable[[str], bool]:
    measure = font(style, size)
    return lambda text: measure.getlength(text) <= width


def wrap(text: str, fits: Callable[[str], bool], max_lines: int) -> list[str]:
    """``text`` in at most ``max_lines`` lines that each fit, broken between words (inside a
    word only when it alone is too wide); an ellipsis ends the last line when text is left."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while word:
            candidate = f"{current} {word}" if current else word
            if fits(candidate):
                current, word = candidate, ""
            elif current:
                lines.append(current)
                current = ""
            else:
                cut = 1
                while cut < len(word) and fits(word[: cut + 1]):
                    cut += 1
                lines.append(word[:cut])
                word = word[cut:]
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and not fits(last.rstrip() + "…"):
        last = last[:-1]
    kept[-1] = last.rstrip() + "…"
    return kept


# --- PNG ----------------------------------------------------------------------------------------


def _grey(colour: str) -> int:
    """``#444444`` → 68: the labels' colours are greys."""
    return int(colour[1:3], 16)


def png(label: Label) -> bytes:
    """The label as a greyscale PNG, its QR code drawn on whole pixels so that it stays sharp."""
    scale = PNG_SCALE
    image = Image.new("L", (round(label.width * scale), round(label.height * scale)), 255)
    draw = ImageDraw.Draw(image)
    inset = label.frame_inset * scale
    draw.rounded_rectangle(
        (inset, inset, image.width - 1 - inset, image.height - 1 - inset),
        radius=label.frame_radius * scale,
        outline=0,
        width=max(1, round(label.frame_stroke * scale)),
    )
    box = round(QR_BOX * scale)
    side = label.qr_modules + 2 * QR_QUIET_ZONE
    module = box // side
    origin = (box - module * side) // 2 + QR_QUIET_ZONE * module
    for run in label.qr_runs:
        left, top = origin + run.x * module, origin + run.y * module
        draw.rectangle((left, top, left + run.length * module - 1, top + module - 1), fill=0)
    for line in label.lines:
        draw.text(
            (line.x * scale, line.y * scale),
            line.text,
            font=font(line.style, round(line.size * scale)),
            fill=_grey(line.fill),
            anchor="ls",
        )
    out = BytesIO()
    # zlib's default level: 24 kB in about 40 ms; ``optimize`` saves 2 kB for 170 ms more.
    image.save(out, "PNG")
    return out.getvalue()
