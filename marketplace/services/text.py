"""Text folding for search and slugs (Vietnamese without diacritics, lower case), and the one
form of an e-mail address that accounts store and compare."""

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


def normalise_email(raw: str) -> str:
    """``ｂａｓｅX@x.example`` → ``basex@x.example``: compatibility forms folded (NFKC:
    fullwidth letters, ligatures, the fullwidth ＠), trimmed and lower-cased, so that a
    look-alike is the same address, never a second account beside it."""
    folded = unicodedata.normalize("NFKC", raw).strip().lower()
    # Lower-casing may leave a form NFKC would fold again (İ → i + combining dot): fold once
    # more so that normalising twice changes nothing.
    return unicodedata.normalize("NFKC", folded)
