"""Text folding for search and slugs: Vietnamese without diacritics, lower case."""

from __future__ import annotations

import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def fold(text: str | None) -> str:
    """``Thổ cẩm Đỏ`` → ``tho cam do``: case and diacritics folded, đ/Đ to d, spaces squeezed."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def slugify(text: str, max_length: int = 120) -> str:
    """``Thổ cẩm Cỏ Chàm`` → ``tho-cam-co-cham``."""
    return _NON_SLUG.sub("-", fold(text)).strip("-")[:max_length].strip("-")
