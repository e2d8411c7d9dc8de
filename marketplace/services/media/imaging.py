"""Images checked by their content, re-encoded without metadata, and made light for slow phones.

Only the pixels survive: EXIF (GPS, camera), XMP, comments and anything appended to the file are
gone, because the stored file is a fresh encoding of the decoded image.

HEIC photos (what iPhones take) are read through ``pillow-heif`` and stored as JPEG, which
every browser shows.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.errors import PayloadTooLarge, ServiceUnavailable, UnsupportedMediaType
from marketplace.messages import N_, Msg

SNIFF_BYTES = 64
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# What an upload through the app may be (the decoder each one is opened with), and what a
# type that browsers do not show is stored as.
UPLOAD_TYPES = {**IMAGE_TYPES, "image/heic": "HEIF"}
STORED_AS = {"image/heic": "image/jpeg"}
VIDEO_TYPES = ("video/mp4", "video/webm")
# Longest side of each variant, in pixels; both are WebP. A thumb shows at about 160 CSS pixels
# in a phone's two-column grid, where quality 60 looks the same as 72 and weighs a quarter less
# (a search page loads about nine of them at once).
VARIANT_SIZES = {"medium": 960, "thumb": 320}
VARIANT_QUALITY = {"medium": 80, "thumb": 60}
ORIGINAL_QUALITY = 85
EXIF_ORIENTATION = 0x0112
# The most memory one image may hold while it is decoded and prepared: 40 megapixels at the
# four bytes Pillow keeps for each pixel of a colour image.
DEFAULT_MAX_DECODE_BYTES = 160 * 1024 * 1024
MB = 1024 * 1024
# ISO base media brands of MP4 video; HEIC and AVIF share the container but are images.
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"mp4v",
    b"avc1",
    b"dash",
    b"M4V ",
    b"MSNV",
}
# ISO base media brands of HEIC/HEIF still images (iPhone photos say "heic").
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"}

# Pillow opens HEIF through pillow-heif's plugin ("HEIF"); only ever by name (open_checked).
pillow_heif.register_heif_opener()


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file show, among those we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "video/mp4"
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "image/heic"
    # EBML header whose DocType is "webm" (Matroska proper is not accepted).
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82\x84webm" in head[:SNIFF_BYTES]:
        return "video/webm"
    return None


def guard_pillow(max_pixels: int) -> None:
    """Make Pillow refuse images above our pixel limit instead of only warning."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


@dataclass
class ProcessedImage:
    content_type: str
    width: int
    height: int
    data: bytes
    checksum: str
    variants: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data)


def not_an_image(reason: str, code: str = "unsupported_media_type") -> UnsupportedMediaType:
    return UnsupportedMediaType(
        N_("Upload a JPEG, PNG, WebP or HEIC image."), code=code, details={"file": [reason]}
    )


def too_many_pixels(pixels: int, max_pixels: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        Msg(
            "The image has %(pixels)s pixels; at most %(max)s are accepted.",
            pixels=pixels,
            max=max_pixels,
        ),
        code="too_many_pixels",
        details={"file": [Msg("at most %(max)s pixels", max=max_pixels)]},
    )


def too_much_memory(needed: int, max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        Msg(
            "Decoding the image would take %(needed)s MB of memory; "
            "at most %(max)s MB are allowed.",
            needed=needed // MB,
            max=max_bytes // MB,
        ),
        code="too_many_pixels",
        details={"file": [Msg("at most %(max)s MB of pixels once decoded", max=max_bytes // MB)]},
    )


class DecoderBusy(ServiceUnavailable):
    code = "decoder_busy"
    message = N_("The server is busy with other images; try again in a moment.")


class DecodeSlots:
    """At most ``count`` images decoded at once in this process; a caller waits up to
    ``wait_seconds`` for its turn, then gets 503 ``decoder_busy``."""

    def __init__(self, count: int, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._semaphore = threading.BoundedSemaphore(count)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        if not self._semaphore.acquire(timeout=self.wait_seconds):
            raise DecoderBusy()
        try:
            yield
        finally:
            self._semaphore.release()


@functools.cache
def decode_slots(count: int, wait_seconds: float) -> DecodeSlots:
    """The process's slots for this setting: every request of a worker shares them."""
    return DecodeSlots(count, wait_seconds)


def bytes_per_pixel(mode: str) -> int:
    """What Pillow keeps in memory for each pixel of an image in ``mode``: a byte for one 8-bit
    band (bilevel "1" included), two for 16-bit grey, four for everything else (several bands
    are stored four bytes wide, as are 32-bit integers and floats)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def _output_mode(image: Image.Image, content_type: str) -> str:
    """The mode the stored image is encoded from: the decoded one when the format takes it."""
    if content_type == "image/jpeg":
        wanted = ("RGB", "L")
    elif content_type == "image/png":
        wanted = ("RGB", "RGBA", "L", "LA")
    else:
        wanted = ("RGB", "RGBA")
    if image.mode in wanted:
        return image.mode
    return "RGBA" if image.has_transparency_data and content_type != "image/jpeg" else "RGB"


def decode_cost(image: Image.Image, content_type: str, *, upright_copy: bool) -> int:
    """The most memory, in bytes, that decoding and preparing this image holds at once, known
    from its header: the decoded pixels, plus the largest of what lives beside them (libwebp's
    own buffer, the upright copy of a rotated photo, the converted copy of a mode the output
    format does not take). A 1-bit PNG costs one byte a pixel decoded, and four more as RGB."""
    decoded = bytes_per_pixel(image.mode)
    beside = [0]
    if content_type == "image/webp":
        beside.append(4)
    if upright_copy:
        beside.append(decoded)
    output = _output_mode(image, content_type)
    if output != image.mode:
        beside.append(bytes_per_pixel(output))
    return image.width * image.height * (decoded + max(beside))


def _orientation(image: Image.Image, content_type: str) -> int:
    """The EXIF orientation, read without decoding: a PNG whose eXIf chunk comes after its
    pixels tells only once decoded (Pillow would decode it to look), so it says 1 until then."""
    if content_type == "image/png" and "exif" not in image.info:
        return 1
    return image.getexif().get(EXIF_ORIENTATION, 1)


def open_checked(data: bytes, max_pixels: int, max_bytes: int) -> tuple[Image.Image, str]:
    """The image opened from its header only, and the content type it is stored as (a HEIC
    photo as JPEG), when its pixels and the memory decoding them would take are within bounds;
    415 or 413 otherwise. Nothing is decoded yet."""
    content_type = sniff(data[:SNIFF_BYTES])
    if content_type not in UPLOAD_TYPES:
        raise not_an_image(N_("not a JPEG, PNG, WebP or HEIC image"))
    try:
        # Only the decoder the first bytes name: a file cannot pick another one.
        image = Image.open(BytesIO(data), formats=[UPLOAD_TYPES[content_type]])
        pixels = image.width * image.height
        if pixels > max_pixels:
            raise too_many_pixels(pixels, max_pixels)
        if getattr(image, "n_frames", 1) > 1:
            raise not_an_image(N_("animated images are not accepted"), code="animated_image")
        stored_as = STORED_AS.get(content_type, content_type)
        cost = decode_cost(image, stored_as, upright_copy=_orientation(image, content_type) != 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PayloadTooLarge(
            N_("The image has too many pixels."),
            code="too_many_pixels",
            details={"file": [Msg("at most %(max)s pixels", max=max_pixels)]},
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise not_an_image(N_("the image is damaged or incomplete"), code="damaged_image") from exc
    if cost > max_bytes:
        raise too_much_memory(cost, max_bytes)
    return image, stored_as


def load_upright(image: Image.Image, content_type: str, max_bytes: int) -> Image.Image:
    """Decode an image from ``open_checked``, upright; 415 when it is damaged."""
    try:
        image.load()
        if image.getexif().get(EXIF_ORIENTATION, 1) != 1:
            # A late eXIf chunk (PNG) may ask for the upright copy the header did not announce.
            cost = decode_cost(image, content_type, upright_copy=True)
            if cost > max_bytes:
                raise too_much_memory(cost, max_bytes)
            image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise not_an_image(N_("the image is damaged or incomplete"), code="damaged_image") from exc
    return image


def _for_output(image: Image.Image, content_type: str) -> Image.Image:
    mode = _output_mode(image, content_type)
    return image if mode == image.mode else image.convert(mode)


def _encode(image: Image.Image, content_type: str, icc_profile: bytes | None) -> bytes:
    out = BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if content_type == "image/jpeg":
        image.save(out, "JPEG", quality=ORIGINAL_QUALITY, **extra)
    elif content_type == "image/png":
        image.save(out, "PNG", compress_level=6, **extra)
    else:
        image.save(out, "WEBP", quality=ORIGINAL_QUALITY, method=4, **extra)
    return out.getvalue()


def _downscale(image: Image.Image, longest: int) -> Image.Image:
    scale = longest / max(image.width, image.height)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap: a cheap integer reduction first, then Lanczos on a small image.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _webp(image: Image.Image, quality: int, icc_profile: bytes | None) -> bytes:
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    out = BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    image.save(out, "WEBP", quality=quality, method=4, **extra)
    return out.getvalue()


def process_image(
    data: bytes,
    max_pixels: int,
    *,
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES,
    slots: DecodeSlots | None = None,
) -> ProcessedImage:
    """Re-encode an uploaded image without its metadata, upright, with its WebP variants.

    The header is checked first (413 or 415 without decoding anything); then the image is
    decoded and encoded holding one of ``slots``, when given.
    """
    image, content_type = open_checked(data, max_pixels, max_decode_bytes)
    with slots.hold() if slots else contextlib.nullcontext():
        return _reencode(load_upright(image, content_type, max_decode_bytes), content_type)


def _reencode(image: Image.Image, content_type: str) -> ProcessedImage:
    icc_profile = image.info.get("icc_profile")
    image = _for_output(image, content_type)
    # Nothing of the upload's metadata may be written back (JPEG keeps comments by default).
    image.info = {}
    encoded = _encode(image, content_type, icc_profile)
    medium = _downscale(image, VARIANT_SIZES["medium"])
    # The thumb is made from the medium: a fraction of the pixels to read.
    thumb = _downscale(medium, VARIANT_SIZES["thumb"])
    return ProcessedImage(
        content_type=content_type,
        width=image.width,
        height=image.height,
        data=encoded,
        checksum=hashlib.sha256(encoded).hexdigest(),
        variants={
            "thumb": _webp(thumb, VARIANT_QUALITY["thumb"], icc_profile),
            "medium": _webp(medium, VARIANT_QUALITY["medium"], icc_profile),
        },
    )
