"""Image checks and re-encoding, below HTTP: every mode a phone or an editor may produce."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image, PngImagePlugin

from marketplace.errors import PayloadTooLarge, UnsupportedMediaType
from marketplace.services.media.imaging import process_image, sniff
from tests.factories import media_files


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def exif() -> Image.Exif:
    tags = Image.Exif()
    tags[0x010F] = "PhoneCam"
    return tags


@pytest.mark.parametrize(
    ("data", "content_type", "mode"),
    [
        (encode(Image.new("CMYK", (300, 200), (10, 20, 30, 40)), "JPEG"), "image/jpeg", "RGB"),
        (encode(Image.new("L", (300, 200), 100), "JPEG"), "image/jpeg", "L"),
        (encode(Image.new("P", (300, 200), 3), "PNG", transparency=3), "image/png", "RGBA"),
        (encode(Image.new("P", (300, 200), 3), "PNG"), "image/png", "RGB"),
        (encode(Image.new("I;16", (300, 200), 30000), "PNG"), "image/png", "RGB"),
        (encode(Image.new("LA", (300, 200), (100, 50)), "PNG"), "image/png", "LA"),
        (encode(Image.new("1", (300, 200), 1), "PNG"), "image/png", "RGB"),
        (encode(Image.new("RGBA", (300, 200), (1, 2, 3, 4)), "WEBP"), "image/webp", "RGBA"),
    ],
)
def test_every_mode_is_re_encoded(data, content_type, mode):
    image = process_image(data, 40_000_000)
    assert image.content_type == content_type
    assert (image.width, image.height) == (300, 200)
    assert media_files.decoded(image.data).mode == mode
    for variant in image.variants.values():
        assert media_files.decoded(variant).format == "WEBP"


def test_png_and_webp_metadata_is_dropped():
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "GPS 21.03N 105.85E")
    png = encode(media_files.photo((300, 200)), "PNG", pnginfo=text, exif=exif())
    webp = encode(media_files.photo((300, 200)), "WEBP", exif=exif(), xmp=b"<x>GPS 21.03N</x>")
    for data in (png, webp):
        stored = process_image(data, 40_000_000).data
        assert b"GPS" not in stored and b"PhoneCam" not in stored
        assert dict(media_files.decoded(stored).getexif()) == {}


@pytest.mark.parametrize("orientation", [1, 2, 3, 4, 5, 6, 7, 8])
def test_orientation_is_applied(orientation):
    image = process_image(media_files.jpeg((400, 300), orientation=orientation), 40_000_000)
    upright = (300, 400) if orientation >= 5 else (400, 300)
    assert (image.width, image.height) == upright
    assert media_files.decoded(image.variants["medium"]).size == upright


def test_pixel_limit_and_bombs():
    with pytest.raises(PayloadTooLarge):
        process_image(media_files.jpeg((400, 300)), 400 * 300 - 1)
    assert process_image(media_files.jpeg((400, 300)), 400 * 300).width == 400
    with pytest.raises(PayloadTooLarge):
        process_image(media_files.png_bomb(), 40_000_000)


@pytest.mark.parametrize(
    "data",
    [
        media_files.TEXT_NAMED_JPG,
        media_files.SVG_WITH_SCRIPT,
        media_files.animated_gif(),
        media_files.animated_webp(),
        media_files.truncated_jpeg(),
        media_files.html_wrapping_jpeg(),
        media_files.mp4(),
        b"",
        b"\xff\xd8\xff",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 40,
    ],
)
def test_not_an_image_is_415(data):
    with pytest.raises(UnsupportedMediaType):
        process_image(data, 40_000_000)


def test_sniff():
    assert sniff(media_files.jpeg((64, 64))) == "image/jpeg"
    assert sniff(media_files.png((64, 64))) == "image/png"
    assert sniff(media_files.webp((64, 64))) == "image/webp"
    assert sniff(media_files.mp4()) == "video/mp4"
    assert sniff(media_files.webm()) == "video/webm"
    # HEIC (iPhone photos) is an image: read through pillow-heif, stored as JPEG.
    assert sniff(media_files.heic_like()) == "image/heic"
    assert sniff(media_files.animated_gif()) is None
    assert sniff(media_files.SVG_WITH_SCRIPT) is None
    # Matroska that is not WebM
    assert (
        sniff(bytes.fromhex("1a45dfa3a34286810142f7810142f2810442f381084282886d6174726f736b61"))
        is None
    )
