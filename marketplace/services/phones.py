"""Phone numbers, normalised to E.164 with Vietnam as the default region."""

from __future__ import annotations

import functools

import phonenumbers

from marketplace.messages import N_

DEFAULT_REGION = "VN"


class InvalidPhone(ValueError):
    pass


# Parsing a number costs more than the rest of an address check: the same buyers' numbers come
# back with every checkout, and the answers never change.
@functools.lru_cache(maxsize=4096)
def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """``0912 345 678`` → ``+84912345678``; raises InvalidPhone for anything not a real number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(N_("Not a phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(N_("Not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)
def is_vietnamese(e164: str) -> bool:
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) == "VN"
