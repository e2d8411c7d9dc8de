"""Pictures for the demo world, drawn with Pillow: nothing shipped and nothing fetched.

Woven bands of diamonds for brocade, a basket weave for bamboo, a jar, a bottle, leaves, fruit,
grains or a bowl on a warm or green ground for food and herbs, hills for covers and homestays,
a round monogram for logos. Each is seeded from its key, so the same key draws the same
picture. ``images`` stores them and attaches them to the demo's products and shops.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

Color = tuple[int, int, int]
Point = tuple[float, float]

# Sides in pixels: the product page shows a picture at most 32rem wide, and the media
# service's WebP variants, most of this step's time, take longer the more pixels there are.
PRODUCT_SIZE = 512
# The shop page shows the cover's medium variant, at most 960 wide: no more is drawn.
COVER_SIZE = (960, 400)
LOGO_SIZE = 320
# Shapes are drawn this many times larger, then reduced: smooth edges without a blur.
SUPERSAMPLE = 2
# The smooth ground (gradient, light, shadows) is painted this many times smaller.
GROUND_SCALE = 4
WHITE: Color = (255, 255, 255)


def _rgb(hex_color: str) -> Color:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))


def _mix(a: Color, b: Color, t: float) -> Color:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


class Palette:
    """Five colours: a dark ground, the main colour, an accent, a light one and an extra."""

    def __init__(self, *colors: str | Color) -> None:
        self.dark, self.main, self.accent, self.light, self.extra = (
            _rgb(c) if isinstance(c, str) else c for c in colors
        )

    def varied(self, rng: random.Random) -> Palette:
        """The same family with its main colour moved a little toward another of its own."""
        toward = rng.choice((self.accent, self.extra, self.dark))
        main = _mix(self.main, toward, rng.uniform(0, 0.3))
        return Palette(self.dark, main, self.accent, self.light, self.extra)


# Per category, one palette or more: a second shop selling the category takes the next one.
PALETTES: dict[str, list[Palette]] = {
    "brocade": [
        Palette("#171a36", "#c0322e", "#e8b53f", "#efe4cc", "#3a4ea3"),  # indigo ground
        Palette("#1c1414", "#c8343a", "#e9c046", "#f2e8d5", "#2f8a5c"),  # black and red
    ],
    "textile": [
        Palette("#1d2a4f", "#2f4d8f", "#c9a24a", "#e9e2d1", "#8a2f2f"),
        Palette("#1e2b22", "#2f7a55", "#d4a640", "#efe8d6", "#9c2f3b"),
    ],
    "tea": [Palette("#1b3524", "#4a8a3a", "#a9c95a", "#f1eed8", "#8a6431")],
    "honey": [Palette("#5a3410", "#d98b17", "#f3c24b", "#fbefd0", "#8a5a1c")],
    "food": [
        Palette("#3a2a1c", "#a8642a", "#e0a96d", "#f6ecdc", "#6b8e23"),
        Palette("#27301c", "#7a5a33", "#c9a66b", "#f2ecdb", "#b8432e"),
    ],
    "dried-meat": [Palette("#24150f", "#8b2e1f", "#c8642f", "#f1e3cf", "#6b4a33")],
    "wine": [Palette("#2a1420", "#b0602a", "#e6a93f", "#f5ead7", "#6b2336")],
    "beverages": [Palette("#3a1f0f", "#d98a2b", "#f0b84a", "#fff3dc", "#8e3b2a")],
    "herbal": [Palette("#1d3324", "#3e7d4f", "#9cc47a", "#eef2e0", "#c28f2c")],
    "herbal-bath": [Palette("#14302b", "#2f7d6d", "#8fcf9f", "#eaf4ec", "#b04a3a")],
    "fruit": [Palette("#2e1330", "#7b2d5b", "#c4416b", "#fbeee6", "#5f8f3e")],
    "rice": [Palette("#4a3a12", "#c9a227", "#efd58a", "#fbf5e3", "#6f8a34")],
    "bamboo-rattan": [Palette("#3b2a16", "#a87b46", "#d9b27c", "#f4ead8", "#6e4b25")],
    "ornamental": [Palette("#1f3a2c", "#d66a8a", "#f3b6c6", "#fbf2f4", "#f2c14e")],
    "tourism": [Palette("#1e2f4a", "#3e6e5a", "#e39b4a", "#f7efe1", "#8fb3c9")],
}


def _seeded(key: str) -> random.Random:
    """The same generator for the same key on every machine (``hash()`` is salted per run)."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return random.Random(seed)  # noqa: S311 (artwork, not secrets)


# --- drawing -----------------------------------------------------------------------------------


def _gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _leaf_outline(length: float, width: float) -> list[Point]:
    """A leaf (or petal, or grain) from its stalk at the origin, pointing along +x."""
    steps = 16
    upper = [
        (length * t, width / 2 * math.sin(math.pi * t) ** 0.8)
        for t in (i / steps for i in range(steps + 1))
    ]
    return upper + [(x, -y) for x, y in reversed(upper[1:-1])]


class Sketch:
    """A picture drawn at ``SUPERSAMPLE`` times its size; places are fractions of its sides.

    Its smooth ground (gradient, lights, shadows) is painted small and enlarged once, when the
    first shape is drawn: blurred light needs no pixels of its own. So lights and shadows come
    before any shape.
    """

    def __init__(self, size: tuple[int, int], top: Color, bottom: Color) -> None:
        self.w, self.h = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
        self.ground = _gradient((size[0] // GROUND_SCALE, size[1] // GROUND_SCALE), top, bottom)
        self._image: Image.Image | None = None
        self._draw: ImageDraw.ImageDraw | None = None

    @property
    def image(self) -> Image.Image:
        if self._image is None:
            self._image = self.ground.resize((self.w, self.h), Image.Resampling.BILINEAR)
            self._draw = ImageDraw.Draw(self._image)
        return self._image

    @property
    def draw(self) -> ImageDraw.ImageDraw:
        self.image  # noqa: B018 (enlarges the ground on first use)
        return self._draw

    def at(self, x: float, y: float) -> Point:
        return (x * self.w, y * self.h)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * self.w, y0 * self.h, x1 * self.w, y1 * self.h]

    def px(self, length: float) -> int:
        """A length given as a fraction of the width, in pixels (at least one)."""
        return max(1, round(length * self.w))

    def ellipse(self, cx, cy, rx, ry=None, **style) -> None:
        """``ry`` defaults to a circle's (``rx`` is a fraction of the width)."""
        ry = rx * self.w / self.h if ry is None else ry
        self.draw.ellipse(self.box(cx - rx, cy - ry, cx + rx, cy + ry), **style)

    def rect(self, x0, y0, x1, y1, fill, radius: float = 0) -> None:
        self.draw.rounded_rectangle(self.box(x0, y0, x1, y1), radius=self.px(radius), fill=fill)

    def polygon(self, points: list[Point], **style) -> None:
        self.draw.polygon([self.at(x, y) for x, y in points], **style)

    def line(self, points: list[Point], fill, width: float) -> None:
        self.draw.line([self.at(x, y) for x, y in points], fill=fill, width=self.px(width))

    def leaf(self, base: Point, length, width, angle, fill, rib=None) -> None:
        """A leaf from ``base`` along ``angle`` (radians, 0 pointing right, y down)."""
        cos, sin = math.cos(angle), math.sin(angle)
        bx, by = self.at(*base)
        k = self.w
        points = [
            (bx + k * (x * cos - y * sin), by + k * (x * sin + y * cos))
            for x, y in _leaf_outline(length, width)
        ]
        self.draw.polygon(points, fill=fill)
        if rib:
            tip = (bx + k * length * 0.85 * cos, by + k * length * 0.85 * sin)
            self.draw.line([(bx, by), tip], fill=rib, width=self.px(width / 14))

    def sphere(self, cx, cy, r, color: Color, light: Color) -> None:
        """A shaded ball: rings lighten toward a highlight up and to the left."""
        rings = 7
        for i in range(rings):
            t = i / rings
            shift = r * 0.3 * t
            self.ellipse(
                cx - shift, cy - shift, r * (1 - 0.8 * t), fill=_mix(color, light, t * 0.6)
            )

    def _open_ground(self) -> Image.Image:
        if self._image is not None:
            raise RuntimeError("lights and shadows go on the ground, before any shape")
        return self.ground

    def glow(self, cx, cy, r, color: Color, strength: float) -> None:
        """A soft round light on the ground, strongest at its centre."""
        ground = self._open_ground()
        radius = max(1, round(r * ground.width))
        spot = _FALLOFF.resize((2 * radius, 2 * radius)).point(lambda v: int(v * strength))
        x, y = round(cx * ground.width), round(cy * ground.height)
        ground.paste(color, (x - radius, y - radius, x + radius, y + radius), spot)

    def shadow(self, x0, y0, x1, y1, strength: float) -> None:
        """The blurred dark ellipse an object casts on the ground."""
        ground = self._open_ground()
        mask = Image.new("L", ground.size, 0)
        gw, gh = ground.size
        ImageDraw.Draw(mask).ellipse([x0 * gw, y0 * gh, x1 * gw, y1 * gh], fill=int(255 * strength))
        ground.paste((0, 0, 0), (0, 0, gw, gh), mask.filter(ImageFilter.GaussianBlur(gw / 80)))

    def finish(self) -> Image.Image:
        return self.image.reduce(SUPERSAMPLE)


# Light falling off from the centre of a spot (255) to its edge (0), eased.
_FALLOFF = ImageOps.invert(Image.radial_gradient("L")).point(lambda v: int(255 * (v / 255) ** 2))


def _ground(rng: random.Random, pal: Palette, *, dark: bool) -> Sketch:
    """A square ground for an object: a gradient, lit softly behind the object."""
    if dark:
        top, bottom, light = _mix(pal.dark, pal.main, 0.3), pal.dark, pal.main
    else:
        top, bottom, light = pal.light, _mix(pal.light, pal.accent, 0.45), WHITE
    sketch = Sketch((PRODUCT_SIZE, PRODUCT_SIZE), top, bottom)
    sketch.glow(rng.uniform(0.35, 0.65), 0.42, 0.6, light, 0.45)
    return sketch


# --- product pictures --------------------------------------------------------------------------


def _woven(rng: random.Random, pal: Palette, cells: int) -> Image.Image:
    """Brocade: bands of nested diamonds, zigzags and stripes, one stitch per cell."""
    grid = Image.new("RGB", (cells, cells), pal.dark)
    draw = ImageDraw.Draw(grid)
    threads = [pal.main, pal.accent, pal.light, pal.extra]
    bands = ["diamonds", "stripes", "zigzag", "stripes"]
    band_index = rng.randrange(len(bands))
    y = rng.randrange(0, 4)
    while y < cells:
        band = bands[band_index % len(bands)]
        band_index += 1
        if band == "diamonds":
            h = rng.choice((13, 17, 21))
            colors = rng.sample(threads, 3)
            for x in range(-rng.randrange(h), cells + h, h - 1):
                cx, cy, r = x + h // 2, y + h // 2, h // 2
                for ring, radius in enumerate(range(r, 0, -2)):
                    diamond = [(cx, cy - radius), (cx + radius, cy), (cx, cy + radius)]
                    draw.polygon([*diamond, (cx - radius, cy)], outline=colors[ring % 3])
                draw.point([(cx, cy)], fill=colors[1])
                # Little hooks where two diamonds meet, as the weavers add.
                draw.point([(x, y + 1), (x, y + h - 2)], fill=colors[2])
            y += h + 1
        elif band == "zigzag":
            h = rng.choice((4, 5, 6))
            step = h - 1
            points = [(x, y + (x // step % 2) * step) for x in range(-step, cells + step, step)]
            draw.line(points, fill=rng.choice(threads), width=1)
            y += h + 1
        else:
            for color in rng.sample(threads, rng.choice((2, 3))):
                height = rng.choice((1, 1, 2))
                draw.rectangle([0, y, cells, y + height - 1], fill=color)
                y += height + 1
            y += 1
    size = PRODUCT_SIZE
    image = grid.resize((size, size), Image.Resampling.NEAREST)
    # Weft rows and warp threads: each stitch a little darker at its edges.
    stitch = size // cells

    def profile(floor: int) -> bytes:
        return bytes(
            floor + int((255 - floor) * math.sin(math.pi * (i % stitch + 0.5) / stitch))
            for i in range(size)
        )

    shade = ImageChops.multiply(
        Image.frombytes("L", (1, size), profile(190)).resize((size, size)),
        Image.frombytes("L", (size, 1), profile(225)).resize((size, size)),
    )
    return ImageChops.multiply(image, shade.convert("RGB"))


def _brocade(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    # The second picture is a close-up: fewer, larger stitches (both divide PRODUCT_SIZE).
    return _woven(rng, pal, (64, 32)[view])


def _weave(pal: Palette, strip: int, twill: bool) -> Image.Image:
    """Strips of rattan over and under each other, each bulging to the light."""
    size = PRODUCT_SIZE
    bulge = bytes(
        int(255 * (0.5 + 0.5 * math.sin(math.pi * (i + 0.5) / strip))) for i in range(strip)
    )
    tiles = []
    for shape in ((1, strip), (strip, 1)):
        mask = Image.frombytes("L", shape, bulge).resize((strip, strip))
        tile = Image.composite(
            Image.new("RGB", (strip, strip), pal.accent),
            Image.new("RGB", (strip, strip), pal.extra),
            mask,
        )
        ImageDraw.Draw(tile).rectangle([0, 0, strip - 1, strip - 1], outline=pal.dark)
        tiles.append(tile)
    weave = Image.new("RGB", (size, size), pal.dark)
    for i in range(size // strip + 1):
        for j in range(size // strip + 1):
            over = (i + j) % 4 < 2 if twill else (i + j) % 2 == 0
            weave.paste(tiles[0] if over else tiles[1], (i * strip, j * strip))
    return weave


def _basket(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Bamboo and rattan: a close weave; the second view, a round tray of it on a table."""
    weave = _weave(pal, rng.choice((32, 40)), twill=rng.random() < 0.5)
    if view == 0:
        return weave
    s = _ground(rng, pal, dark=False)
    s.shadow(0.12, 0.16, 0.94, 0.98, 0.45)
    mask = Image.new("L", s.image.size, 0)
    ImageDraw.Draw(mask).ellipse(s.box(0.1, 0.1, 0.9, 0.9), fill=255)
    s.image.paste(weave.resize(s.image.size, Image.Resampling.NEAREST), (0, 0), mask)
    s.ellipse(0.5, 0.5, 0.4, outline=pal.extra, width=s.px(0.035))
    return s.finish()


def _jar(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Honey: a jar with a lid and a label, honeycomb cells behind it."""
    s = _ground(rng, pal, dark=dark)
    comb = _mix(pal.dark, pal.main, 0.45) if dark else _mix(pal.light, pal.accent, 0.55)
    r = 0.07
    corners = [math.pi / 3 * k + math.pi / 6 for k in range(6)]
    s.shadow(0.24, 0.8, 0.8, 0.93, 0.55)
    for row in range(-1, 10):
        for col in range(-1, 9):
            if rng.random() < 0.5:
                cx, cy = col * r * 1.74 + (row % 2) * r * 0.87, row * r * 1.5
                hexagon = [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in corners]
                s.polygon(hexagon, outline=comb, width=s.px(0.004))
    s.rect(0.28, 0.32, 0.72, 0.87, pal.main, radius=0.07)
    s.rect(0.33, 0.37, 0.39, 0.8, _mix(pal.main, pal.light, 0.45), radius=0.03)
    s.rect(0.31, 0.22, 0.69, 0.33, pal.extra, radius=0.025)
    s.rect(0.29, 0.5, 0.71, 0.67, pal.light, radius=0.01)
    s.polygon(
        [(0.5 + 0.05 * math.cos(a), 0.585 + 0.05 * math.sin(a)) for a in corners], fill=pal.accent
    )
    return s.finish()


def _bottle(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Wine and drinks: a glass bottle with a label, and a small cup."""
    s = _ground(rng, pal, dark=dark)
    x = 0.42 + rng.uniform(-0.04, 0.04)
    s.shadow(0.2, 0.84, 0.82, 0.95, 0.55)
    s.rect(x - 0.13, 0.42, x + 0.13, 0.9, pal.main, radius=0.05)
    s.ellipse(x, 0.43, 0.13, 0.1, fill=pal.main)
    s.rect(x - 0.04, 0.14, x + 0.04, 0.42, pal.main, radius=0.015)
    s.rect(x - 0.045, 0.1, x + 0.045, 0.17, pal.extra, radius=0.015)
    s.rect(x - 0.1, 0.46, x - 0.065, 0.84, _mix(pal.main, pal.light, 0.45), radius=0.02)
    s.rect(x - 0.13, 0.58, x + 0.13, 0.72, pal.light)
    s.line([(x - 0.09, 0.65), (x + 0.09, 0.65)], fill=pal.extra, width=0.008)
    cup = x + 0.28
    s.polygon(
        [(cup - 0.08, 0.75), (cup + 0.08, 0.75), (cup + 0.06, 0.9), (cup - 0.06, 0.9)],
        fill=pal.light,
    )
    s.ellipse(cup, 0.75, 0.08, 0.022, fill=pal.accent)
    return s.finish()


def _leaves(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Tea and herbs: a sprig of leaves; the second view, a cup of it seen from above."""
    s = _ground(rng, pal, dark=dark)
    greens = [pal.main, _mix(pal.main, pal.dark, 0.35), _mix(pal.main, pal.accent, 0.5)]
    if view == 1:
        s.shadow(0.2, 0.3, 0.86, 0.94, 0.55)
        s.ellipse(0.5, 0.57, 0.3, fill=pal.light)
        s.ellipse(0.5, 0.57, 0.23, fill=pal.extra)
        s.ellipse(0.43, 0.48, 0.1, 0.04, fill=_mix(pal.extra, pal.light, 0.35))
        for i in range(3):
            angle = -2.4 + i * 0.5 + rng.uniform(-0.1, 0.1)
            s.leaf((0.82, 0.3), 0.22, 0.09, angle, greens[i], pal.accent)
        return s.finish()
    sway = rng.uniform(-0.06, 0.06)
    stem = [(0.5 + sway * math.sin(t * 3), 0.92 - 0.72 * t) for t in (i / 20 for i in range(21))]
    s.line(stem, fill=_mix(pal.dark, pal.main, 0.4), width=0.012)
    count = rng.randrange(5, 8)
    for i in range(count):
        t = 0.12 + 0.8 * i / count
        side = 1 if i % 2 else -1
        angle = -math.pi / 2 + side * rng.uniform(0.6, 1.05)
        length = (0.32 - 0.15 * t) * rng.uniform(0.9, 1.1)
        s.leaf(stem[int(t * 20)], length, length * 0.42, angle, greens[i % 3], pal.light)
    s.leaf(stem[-1], 0.12, 0.05, -math.pi / 2, greens[2], pal.light)
    return s.finish()


def _fruit(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Plums and apricots: a few shaded fruits and a leaf."""
    s = _ground(rng, pal, dark=False)
    s.shadow(0.1, 0.66, 0.9, 0.88, 0.45)
    spots = [(0.34, 0.62), (0.63, 0.64), (0.49, 0.47), (0.75, 0.45), (0.24, 0.43)]
    spots = spots[: rng.randrange(3, 6)]
    colors = [pal.main, pal.accent, pal.extra] if view else [pal.main, pal.accent, pal.main]
    # Farther fruit first, so nearer ones overlap them.
    for i, (x, y) in sorted(enumerate(spots), key=lambda entry: entry[1][1]):
        s.sphere(x, y, rng.uniform(0.12, 0.15), colors[i % 3], pal.light)
    s.leaf((0.5, 0.3), 0.24, 0.1, -0.5, pal.extra, pal.light)
    return s.finish()


def _grains(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Rice: a heap of grains, an ear of rice leaning over it."""
    s = _ground(rng, pal, dark=dark)
    s.shadow(0.08, 0.72, 0.92, 0.92, 0.4)
    tones = [pal.light, _mix(pal.light, pal.accent, 0.4), _mix(pal.light, WHITE, 0.5)]
    for _ in range(320):
        x = rng.uniform(-1, 1)
        y = rng.uniform(0, 1) * (1 - x * x) ** 0.5
        center = (0.5 + 0.38 * x, 0.84 - 0.36 * y)
        s.leaf(center, 0.04, 0.018, rng.uniform(0, math.pi), rng.choice(tones))
    ear = [(0.82 - 0.25 * t * t, 0.08 + 0.45 * t) for t in (i / 12 for i in range(13))]
    s.line(ear, fill=pal.extra, width=0.008)
    for i, point in enumerate(ear[1:-2]):
        s.leaf(point, 0.05, 0.022, math.pi / 2 + (0.9 if i % 2 else -0.9), pal.main)
    return s.finish()


def _bowl(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Food of the forest and the kitchen: an earthen bowl heaped with pieces."""
    s = _ground(rng, pal, dark=dark)
    s.shadow(0.12, 0.74, 0.88, 0.92, 0.5)
    pieces = [pal.main, pal.accent, _mix(pal.main, pal.dark, 0.3), pal.extra]
    for _ in range(60):
        x = rng.uniform(-1, 1)
        y = rng.uniform(0, 1) * (1 - x * x) ** 0.5
        radius = rng.uniform(0.03, 0.05)
        s.sphere(0.5 + 0.3 * x, 0.57 - 0.2 * y, radius, rng.choice(pieces), pal.light)
    bowl = _mix(pal.dark, pal.extra, 0.25)
    s.draw.chord(s.box(0.16, 0.38, 0.84, 0.86), 0, 180, fill=bowl)
    s.ellipse(0.5, 0.62, 0.34, 0.035, outline=_mix(bowl, pal.light, 0.35), width=s.px(0.012))
    return s.finish()


def _smoked(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Meat smoked over the hearth: strips hanging from a bamboo pole, smoke rising."""
    s = _ground(rng, pal, dark=True)
    for _ in range(7):
        s.glow(rng.uniform(0, 1), rng.uniform(0.3, 0.9), rng.uniform(0.12, 0.2), pal.light, 0.18)
    s.line([(0, 0.2), (1, 0.17)], fill=_mix(pal.extra, pal.light, 0.3), width=0.03)
    count = rng.randrange(4, 7)
    for i in range(count):
        x = 0.15 + 0.7 * (i + 0.5) / count
        length, width = rng.uniform(0.4, 0.58), rng.uniform(0.07, 0.1)
        meat = _mix(pal.main, pal.dark, rng.uniform(0, 0.3))
        s.line([(x, 0.19), (x, 0.26)], fill=pal.light, width=0.006)
        s.rect(x - width / 2, 0.25, x + width / 2, 0.25 + length, meat, radius=width * 0.3)
        s.rect(
            x - width * 0.25, 0.28, x - width * 0.05, 0.22 + length, pal.accent, radius=width * 0.1
        )
    return s.finish()


def _flower(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Orchids, peach and ban trees: five-petalled flowers on their stems."""
    s = _ground(rng, pal, dark=dark)
    petal = pal.light if dark else pal.main
    stalk = _mix(pal.dark, pal.extra, 0.2)
    for i in range(rng.randrange(2, 4)):
        cx, cy = rng.uniform(0.28, 0.72), 0.28 + 0.18 * i
        s.line([(cx, cy), (0.5, 0.98)], fill=stalk, width=0.01)
        s.leaf(((cx + 0.5) / 2, (cy + 1) / 2), 0.16, 0.06, -2.6 + i, pal.dark, pal.light)
        r = rng.uniform(0.11, 0.15)
        turn = rng.uniform(0, math.pi)
        for j in range(5):
            angle = turn + j * 2 * math.pi / 5
            s.leaf((cx, cy), r, r * 0.75, angle, petal)
            s.leaf((cx, cy), r * 0.6, r * 0.3, angle, pal.accent)
        s.sphere(cx, cy, r * 0.2, pal.extra, pal.light)
    return s.finish()


def _hills(rng: random.Random, pal: Palette, size: tuple[int, int]) -> Sketch:
    """Ranges of hills fading into a morning sky, the nearest darkest."""
    s = Sketch(size, _mix(pal.light, pal.extra, 0.4), _mix(pal.light, pal.accent, 0.35))
    sun = (rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.32))
    s.glow(*sun, 0.3, _mix(pal.accent, WHITE, 0.5), 0.8)
    s.ellipse(*sun, 0.035, fill=_mix(pal.accent, WHITE, 0.4))
    far, near = _mix(pal.light, pal.extra, 0.5), _mix(pal.main, pal.dark, 0.6)
    layers = 5
    for i in range(layers):
        base = 0.44 + 0.13 * i
        waves = [
            (rng.uniform(1, 3.5), rng.uniform(0, 2 * math.pi), rng.uniform(0.03, 0.08))
            for _ in range(3)
        ]
        ridge = [
            (x / 60, base - sum(a * math.sin(f * math.pi * x / 60 + p) for f, p, a in waves))
            for x in range(61)
        ]
        s.polygon([*ridge, (1, 1), (0, 1)], fill=_mix(far, near, i / (layers - 1)))
    return s


def _tourism(rng: random.Random, pal: Palette, view: int, dark: bool) -> Image.Image:
    """Homestays and walks in the hills; the first view with a house on stilts."""
    s = _hills(rng, pal, (PRODUCT_SIZE, PRODUCT_SIZE))
    if view == 0:
        x, y = rng.uniform(0.3, 0.6), 0.74
        wood, roof = pal.dark, _mix(pal.dark, pal.extra, 0.3)
        for post in (-0.1, -0.03, 0.04, 0.11):
            s.line([(x + post, y), (x + post, y + 0.1)], fill=wood, width=0.01)
        s.rect(x - 0.12, y - 0.09, x + 0.13, y, wood)
        s.polygon(
            [(x - 0.17, y - 0.08), (x - 0.07, y - 0.2), (x + 0.08, y - 0.2), (x + 0.18, y - 0.08)],
            fill=roof,
        )
        s.rect(x - 0.02, y - 0.07, x + 0.03, y - 0.01, pal.accent)
    return s.finish()


Painter = Callable[[random.Random, Palette, int, bool], Image.Image]

PAINTERS: dict[str, Painter] = {
    "brocade": _brocade,
    "textile": _brocade,
    "bamboo-rattan": _basket,
    "honey": _jar,
    "wine": _bottle,
    "beverages": _bottle,
    "tea": _leaves,
    "herbal": _leaves,
    "herbal-bath": _leaves,
    "fruit": _fruit,
    "rice": _grains,
    "food": _bowl,
    "dried-meat": _smoked,
    "ornamental": _flower,
    "tourism": _tourism,
}
# Share of products shown from two sides; the rest have one picture.
TWO_VIEWS = 0.35


def product_pictures(key: str, category: str, palette: Palette) -> list[Image.Image]:
    """One or two pictures of a product, the same for the same key."""
    rng = _seeded(f"product:{key}")
    views = 2 if rng.random() < TWO_VIEWS else 1
    dark = rng.random() < 0.5
    palette = palette.varied(rng)
    painter = PAINTERS[category]
    # The second view turns the ground over: dark after light, light after dark.
    return [
        painter(_seeded(f"product:{key}:{view}"), palette, view, dark != (view == 1))
        for view in range(views)
    ]


def cover_picture(key: str, palette: Palette) -> Image.Image:
    rng = _seeded(f"cover:{key}")
    return _hills(rng, palette, COVER_SIZE).finish()


def logo_picture(key: str, palette: Palette, letters: str) -> Image.Image:
    """A round emblem, its corners transparent: woven diamonds around the shop's initials."""
    rng = _seeded(f"logo:{key}")
    k = LOGO_SIZE * SUPERSAMPLE
    image = Image.new("RGBA", (k, k), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([0, 0, k - 1, k - 1], fill=palette.main)
    draw.ellipse([k * 0.07, k * 0.07, k * 0.93, k * 0.93], fill=palette.dark)
    count = rng.choice((16, 20, 24))
    ring, d = k * 0.385, k * 0.028
    for i in range(count):
        angle = 2 * math.pi * i / count
        cx, cy = k / 2 + ring * math.cos(angle), k / 2 + ring * math.sin(angle)
        color = palette.accent if i % 2 == 0 else palette.light
        draw.polygon([(cx, cy - d), (cx + d, cy), (cx, cy + d), (cx - d, cy)], fill=color)
    draw.ellipse([k * 0.2, k * 0.2, k * 0.8, k * 0.8], outline=palette.main, width=int(k * 0.012))
    font = ImageFont.load_default(size=int(k * (0.3 if len(letters) > 1 else 0.4)))
    draw.text((k / 2, k / 2), letters, font=font, anchor="mm", fill=palette.light)
    return image.reduce(SUPERSAMPLE)
