"""Reading "chốt đơn" comments: one code, one quantity, or a refusal."""

from __future__ import annotations

import pytest

from marketplace.services.livestreams.comments import (
    ParsedComment,
    UnparseableComment,
    parse_comment,
)

READ = [
    ("A2 x3", "A2", 3),
    ("a2 3", "A2", 3),
    ("A2*3", "A2", 3),
    ("A2 X 3", "A2", 3),
    ("A2", "A2", 1),
    ("a2", "A2", 1),
    ("A2x3", "A2", 3),
    ("A2 × 4", "A2", 4),
    ("A2-3", "A2", 3),
    ("A02 x2", "A2", 2),
    ("A12 x2", "A12", 2),
    ("Ａ２ ｘ５", "A2", 5),  # full-width, as some phone keyboards type
    ("chốt A2 x3 nhé", "A2", 3),
    ("Chốt đơn a2 sl 3", "A2", 3),
    ("A2 số lượng: 3", "A2", 3),
    ("A2 3 cái", "A2", 3),
    ("lấy 2 cái A2", "A2", 2),
    ("lay a2 nha, 2 cai", "A2", 2),
    ("A2 ba cái", "A2", 3),
    ("A2 x ba", "A2", 3),
    ("A2 2kg", "A2", 2),
    ("A2 x3, gọi 0912345678", "A2", 3),
    ("0912 345 678 chốt A2", "A2", 1),
    ("A2 size 38", "A2", 1),
    ("A2 x3 giao sáng mai số nhà 12", "A2", 3),
    ("  A2   x   3  ", "A2", 3),
]

REFUSED = [
    "",
    "hello shop",
    "x3",
    "A2 x3 A3 x1",  # two codes
    "A2 A2",
    "A2 x3 4 cái",  # two quantities
    "A2 x0",
    "A2 x 10000",
    "A2 sl 1000",
    "A2 1.5kg",
    "A2 x1.000",
    "A2 ba",  # three, or "bà"?
    "A2 nam size L",  # five, or men's?
    "A1234",
]


@pytest.mark.parametrize(("comment", "code", "quantity"), READ)
def test_comments_are_read(comment, code, quantity):
    assert parse_comment(comment) == ParsedComment(code, quantity)


@pytest.mark.parametrize("comment", REFUSED)
def test_ambiguous_or_unreadable_comments_are_refused(comment):
    with pytest.raises(UnparseableComment):
        parse_comment(comment)
