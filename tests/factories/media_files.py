"""Files for media tests, good and bad, made on the spot (no binary fixtures in the repository)."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

from PIL import Image, ImageDraw

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def photo(size: tuple[int, int] = (1200, 900), mode: str = "RGB") -> Image.Image:
    """A photo-like picture: a gradient and a few shapes (compresses like a real photo)."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge(
        "RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_90).resize(size), gradient)
    )
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 5, height // 5, width // 2, height // 2), fill=(200, 40, 40))
    draw.rectangle((width // 2, height // 2, width - 10, height - 10), fill=(30, 120, 60))
    return image.convert(mode) if mode != "RGB" else image


def jpeg(
    size: tuple[int, int] = (1200, 900),
    *,
    gps: bool = True,
    orientation: int | None = None,
    comment: bytes | None = None,
) -> bytes:
    """A JPEG with camera EXIF: GPS position, maker, and an orientation tag when asked."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (21.0, 2.0, 3.0), 3: "E", 4: (105.0, 51.0, 2.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    out = BytesIO()
    extra = {"comment": comment} if comment else {}
    photo(size).save(out, "JPEG", quality=90, exif=exif, **extra)
    return out.getvalue()


def png(size: tuple[int, int] = (800, 600), mode: str = "RGBA") -> bytes:
    out = BytesIO()
    photo(size, mode).save(out, "PNG")
    return out.getvalue()


def webp(size: tuple[int, int] = (800, 600)) -> bytes:
    out = BytesIO()
    photo(size).save(out, "WEBP", quality=80)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid, mostly empty 1-bit PNG of width × height pixels: a few kilobytes on the wire."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = jpeg((800, 600), gps=False)
    return data[: len(data) // 2]


TEXT_NAMED_JPG = b"Just some text pretending to be a photo.\n" * 20

SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>fetch('/api/v1/me')</script><rect width='10' height='10'/></svg>"
)

PAYLOAD = b"<html><script>alert('polyglot')</script></html>"


def jpeg_with_payload() -> bytes:
    """A real JPEG carrying HTML and script in a comment and after its end marker."""
    return jpeg((640, 480), comment=PAYLOAD) + PAYLOAD + b"PK\x03\x04zip-tail"


def html_wrapping_jpeg() -> bytes:
    """An HTML page that happens to contain a JPEG: not an image by its first bytes."""
    return b"<!DOCTYPE html>" + PAYLOAD + jpeg((64, 64), gps=False)


def gifar() -> bytes:
    """A GIF with a ZIP archive appended (the classic GIF/JAR polyglot)."""
    return animated_gif(frames=1) + b"PK\x03\x04" + b"\x00" * 64


def animated_gif(frames: int = 3) -> bytes:
    out = BytesIO()
    images = [Image.new("P", (64, 64), color=i * 40) for i in range(frames)]
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def animated_webp(frames: int = 3) -> bytes:
    out = BytesIO()
    images = [Image.new("RGB", (64, 64), color=(i * 60, 0, 0)) for i in range(frames)]
    images[0].save(out, "WEBP", save_all=True, append_images=images[1:], duration=100)
    return out.getvalue()


def mp4(size: int = 4096) -> bytes:
    """The start of an MP4 file (ftyp box, then filler) — enough for sniffing."""
    ftyp = struct.pack(">I", 24) + b"ftypmp42" + b"\x00\x00\x00\x00" + b"mp42isom"
    mdat_body = b"\x00" * max(0, size - len(ftyp) - 8)
    return ftyp + struct.pack(">I", len(mdat_body) + 8) + b"mdat" + mdat_body


def webm(size: int = 4096) -> bytes:
    """The start of a WebM file: its EBML header, then filler."""
    header = bytes.fromhex(
        "1a45dfa39f4286810142f7810142f2810442f381084282847765626d4287810442858102"
    )
    return header + b"\x00" * max(0, size - len(header))


def heic_like() -> bytes:
    """An ISO media file whose brand says it is a HEIC image (not an MP4 video), without the
    image: damaged."""
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00" * 4 + b"mif1heic" + b"\x00" * 256


def decoded(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def heic(size: tuple[int, int] = (1200, 900), *, gps: bool = True) -> bytes:
    """A HEIC photo as an iPhone takes it (encoded by pillow-heif), with camera EXIF."""
    import pillow_heif

    exif = Image.Exif()
    exif[MAKE] = "iPhone"
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (21.0, 2.0, 3.0), 3: "E", 4: (105.0, 51.0, 2.0)}
    heif = pillow_heif.from_pillow(photo(size))
    out = BytesIO()
    heif.save(out, quality=80, exif=exif.tobytes())
    return out.getvalue()
