"""Reading a buyer's "chốt đơn" comment: which product code, how many.

Buyers type fast and loosely: ``A2 x3``, ``a2 3``, ``A2*3``, ``chốt A2 x 3 nhé``,
``lấy 2 cái A2``, ``A2 ba cái`` (counting words are read only before a unit or after ``x`` or
``sl``). A comment is read only when it is unambiguous: exactly one product code, and at most
one quantity among the places a quantity is written (right after the code, right before it,
after a marker such as ``x`` or ``sl``, before a unit such as ``cái``). Numbers elsewhere (a
phone number, a house number, a size) are not quantities. Anything else is refused rather
than guessed: a wrong order costs the artisan a wasted parcel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from marketplace.messages import N_, Msg
from marketplace.services.text import fold

MAX_QUANTITY = 999

# Counting words as typed without diacritics; "tư" is four, "lăm"/"nhăm" five after tens.
NUMBER_WORDS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}
# Units and classifiers that follow a quantity ("3 cái", "2 bộ", "1kg").
UNITS = (
    "cai|chiec|bo|goi|hop|chai|tui|kg|cuon|tam|doi|hu|lo|phan|suat|sp|san pham|"
    "khan|vay|ao|tui|manh|met|cay|qua|con|binh|can"
)
# Decimals ("1.5") and thousands ("1.000") are caught whole so that they are refused, not cut.
_DIGITS = r"(\d+(?:[.,]\d+)*)"
_NUMBER = r"(\d+(?:[.,]\d+)*|" + "|".join(NUMBER_WORDS) + r")"
_CODE = re.compile(r"(?<![a-z0-9])a-?(\d{1,3})(?![0-9])")
_MARKER = r"(?:x|\*|sl|so luong|qty)"
_AFTER_CODE = re.compile(r"^\s*(?:" + _MARKER + r"\s*)?[:=\-]?\s*" + _DIGITS)
_WORD_AFTER_CODE = re.compile(
    r"^\s*(" + _MARKER + r"\s*)?" + _NUMBER + r"(?![a-z0-9])(\s*(?:" + UNITS + r")\b)?"
)
_BEFORE_CODE = re.compile(r"(?<![\d.,])(\d{1,4})\s*(?:x|\*|" + UNITS + r")?\s*[:\-]?\s*$")
_MARKED = re.compile(r"(?<![a-z])" + _MARKER + r"\s*[:=]?\s*" + _NUMBER + r"(?![a-z0-9])")
_WITH_UNIT = re.compile(r"(?<![a-z0-9.,])" + _DIGITS + r"\s*(?:" + UNITS + r")\b")


class UnparseableComment(ValueError):
    pass


@dataclass(frozen=True)
class ParsedComment:
    code: str
    quantity: int


def _value(token: str) -> int:
    if token in NUMBER_WORDS:
        return NUMBER_WORDS[token]
    if not token.isdigit():
        raise UnparseableComment(
            Msg("The quantity must be a whole number, not %(token)s.", token=repr(token))
        )
    return int(token)


def _quantities(before: str, after: str) -> set[int]:
    """Every quantity the comment writes in a place where quantities are written."""
    found: set[int] = set()
    if match := _AFTER_CODE.match(after):
        found.add(_value(match.group(1)))
    elif match := _WORD_AFTER_CODE.match(after):
        marker, word, unit = match.groups()
        if marker is None and unit is None:
            # "A2 nam": five, or "men's"? A counting word is read only before a unit ("năm cái").
            raise UnparseableComment(
                Msg("Write the quantity as a number: %(word)s.", word=repr(word))
            )
        found.add(_value(word))
    if match := _BEFORE_CODE.search(before):
        found.add(int(match.group(1)))
    for text in (before, after):
        found.update(_value(m.group(1)) for m in _MARKED.finditer(text))
        found.update(_value(m.group(1)) for m in _WITH_UNIT.finditer(text))
    return found


def parse_comment(comment: str) -> ParsedComment:
    """The one product code and quantity a comment asks for; UnparseableComment otherwise."""
    text = fold(comment.replace("×", "x"))
    codes = list(_CODE.finditer(text))
    if not codes:
        raise UnparseableComment(N_("No product code (such as A2) in the comment."))
    if len(codes) > 1:
        raise UnparseableComment(N_("Several product codes in one comment: take one at a time."))
    match = codes[0]
    code = f"A{int(match.group(1))}"
    quantities = _quantities(text[: match.start()], text[match.end() :])
    if len(quantities) > 1:
        raise UnparseableComment(N_("The comment gives several quantities."))
    quantity = quantities.pop() if quantities else 1
    if not 1 <= quantity <= MAX_QUANTITY:
        raise UnparseableComment(
            Msg("The quantity must be between 1 and %(max)s.", max=MAX_QUANTITY)
        )
    return ParsedComment(code=code, quantity=quantity)
