"""What an image upload may cost a worker: the memory its pixels take once decoded (bytes per
pixel of its modes, not only how many pixels), judged from the header before anything is
decoded, and how many images one worker decodes at once."""

from __future__ import annotations

import pytest
from PIL import Image

from marketplace.services.media.imaging import (
    DEFAULT_MAX_DECODE_BYTES,
    decode_cost,
    decode_slots,
    open_checked,
)
from tests.factories import media_files
from tests.factories.envelopes import assert_envelope
from tests.media.test_media import media_count, post_file

# The report's reproducer: 4.9 KB on the wire, 40 MB as 1-bit pixels, 160 MB more as RGB.
ONE_BIT_PNG = media_files.png_bomb(6300, 6300)


def opened(data: bytes) -> tuple[Image.Image, str]:
    return open_checked(data, 10**9, 10**12)


def test_the_one_bit_png_is_refused_with_413(client, auth):
    user, headers = auth.user("artisan")
    headers = {**headers, "Accept-Language": "en"}
    assert len(ONE_BIT_PNG) < 5000
    response = post_file(client, headers, ONE_BIT_PNG, "plan.png", "image/png")
    error = assert_envelope(response, 413, "too_many_pixels")
    assert "memory" in error["message"] and "file" in error["details"]
    assert media_count(user) == 0


def test_the_refusal_comes_from_the_header_alone(client, auth):
    """Only the signature, the header and the start of the pixel data: a decoder would find
    the file cut short (415 damaged_image); the memory check answers before any decoding."""
    _, headers = auth.user("artisan")
    header_only = ONE_BIT_PNG[:64]
    response = post_file(client, headers, header_only, "plan.png", "image/png")
    assert_envelope(response, 413, "too_many_pixels")


def test_the_cost_counts_bytes_per_pixel_of_each_mode_held_at_once():
    pixels = 6300 * 6300
    # 1-bit: a byte a pixel decoded, four more once converted to RGB for the output.
    assert decode_cost(*opened(ONE_BIT_PNG), upright_copy=False) == 5 * pixels
    assert 5 * pixels > DEFAULT_MAX_DECODE_BYTES
    photo, jpeg = opened(media_files.jpeg((400, 300)))
    assert decode_cost(photo, jpeg, upright_copy=False) == 4 * 400 * 300
    # A rotated photo holds its upright copy beside the decoded one.
    assert decode_cost(photo, jpeg, upright_copy=True) == 8 * 400 * 300
    grey, png = opened(media_files.png((400, 300), mode="L"))
    assert decode_cost(grey, png, upright_copy=False) == 400 * 300
    # libwebp decodes into a buffer of its own, copied into the image.
    picture, webp = opened(media_files.webp((400, 300)))
    assert decode_cost(picture, webp, upright_copy=False) == 8 * 400 * 300


def test_the_rotation_a_jpeg_header_announces_is_counted(client, auth, app_config):
    _, headers = auth.user("artisan")
    app_config(MEDIA_MAX_DECODE_BYTES=4 * 400 * 300)
    assert post_file(client, headers, media_files.jpeg((400, 300))).status_code == 201
    turned = media_files.jpeg((400, 300), orientation=6)
    assert_envelope(post_file(client, headers, turned), 413, "too_many_pixels")


def test_fewer_pixels_may_cost_more_memory(client, auth, app_config):
    """The limit is on memory: a 1-bit PNG of the same size as an accepted RGB photo is
    refused, because its RGB copy comes on top of its own pixels."""
    _, headers = auth.user("artisan")
    app_config(MEDIA_MAX_DECODE_BYTES=4 * 400 * 300, MEDIA_MAX_PIXELS=10**8)
    assert post_file(client, headers, media_files.jpeg((400, 300))).status_code == 201
    bilevel = media_files.png_bomb(400, 300)
    response = post_file(client, headers, bilevel, "plan.png", "image/png")
    assert_envelope(response, 413, "too_many_pixels")


def test_a_worker_decodes_at_most_its_slots_at_once(client, auth, app_config):
    _, headers = auth.user("artisan")
    app_config(MEDIA_DECODE_SLOTS=1, MEDIA_DECODE_WAIT_SECONDS=0)
    slots = decode_slots(1, 0)
    with slots.hold():
        response = post_file(client, headers, media_files.jpeg((64, 64)))
        assert_envelope(response, 503, "decoder_busy")
        # Refusing by the header needs no slot.
        response = post_file(client, headers, ONE_BIT_PNG, "plan.png", "image/png")
        assert_envelope(response, 413, "too_many_pixels")
    assert post_file(client, headers, media_files.jpeg((64, 64))).status_code == 201


def test_slots_are_shared_by_the_requests_of_a_worker():
    assert decode_slots(2, 10) is decode_slots(2, 10)
    with decode_slots(1, 0).hold(), pytest.raises(Exception, match="busy"):
        with decode_slots(1, 0).hold():
            pass
