"""E-mail addresses in the one form accounts store and compare."""

from __future__ import annotations

import unicodedata


def normalise_email(raw: str) -> str:
    """``ｂａｓｅX@x.example`` → ``basex@x.example``: compatibility forms folded (NFKC:
    fullwidth letters, ligatures, the fullwidth ＠), trimmed and lower-cased, so that a
    look-alike is the same address, never a second account beside it."""
    folded = unicodedata.normalize("NFKC", raw).strip().lower()
    # Lower-casing may leave a form NFKC would fold again (İ → i + combining dot): fold once
    # more so that normalising twice changes nothing.
    return unicodedata.normalize("NFKC", folded)
