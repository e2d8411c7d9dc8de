"""Vietnam's places since the 2025 reform, and the shipping addresses checked against them.

Since 2025-07-01 Vietnam has two levels of local government: 34 provinces and centrally run
cities, and their communes, wards and special zones. The list comes from the maintained
``vietnam-provinces`` package (the statistics office's codes and names), read once per process.
Codes are the official ones as strings: two digits for a province (``14``), five for a commune
(``04048``). A name matches ignoring case, diacritics and the unit's word: ``son la`` =
``Tỉnh Sơn La`` = ``Sơn La``, ``sa pa`` = ``Phường Sa Pa``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers

from marketplace.errors import ValidationFailed
from marketplace.messages import N_, Msg
from marketplace.services.phones import InvalidPhone, normalise_phone
from marketplace.services.text import fold

VIETNAM = "VN"
# Vietnam's time (UTC+07:00 all year): local days, what people type, what they read.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Every region phonenumbers knows is an ISO 3166-1 alpha-2 code of a real place, except "001"
# (non-geographic numbers), where no parcel goes.
COUNTRY_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS) - {"001"}


def local_today() -> date:
    """Today in Vietnam, not on the server's clock."""
    return datetime.now(LOCAL_TZ).date()


# The words that name a unit's kind, folded; a name may be typed with or without them.
# "tp" is how "thành phố" is usually abbreviated (``TP. Hồ Chí Minh``).
_UNIT_WORDS = ("thanh pho", "tinh", "tp", "dac khu", "phuong", "xa")
_PUNCTUATION = re.compile(r"[.,;:/\\()\-]+")


@dataclass(frozen=True)
class Place:
    """A province or a commune: its official code and name (and, for a commune, its province)."""

    code: str
    name: str
    province_code: str | None = None


def _folded(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())


def _split_unit(text: str) -> tuple[str | None, str]:
    """``Phường Sa Pa`` → (``phuong``, ``sa pa``); a name without a unit word → (None, name)."""
    folded = _folded(text)
    for unit in _UNIT_WORDS:
        if folded.startswith(unit + " "):
            return ("thanh pho" if unit == "tp" else unit), folded[len(unit) + 1 :]
    return None, folded


def _exact(text: str) -> str:
    """Case folded but diacritics kept: tells ``Văn Lăng`` from ``Văn Lang``."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


class _Index:
    """Places by bare folded name (without the unit word); several may share one."""

    def __init__(self) -> None:
        self._by_key: dict[str, list[Place]] = defaultdict(list)
        self._units: dict[str, str | None] = {}

    def add(self, place: Place) -> None:
        unit, key = _split_unit(place.name)
        self._by_key[key].append(place)
        self._units[place.code] = unit

    def match(self, text: str) -> list[Place]:
        """The places this name may mean: those of that name, case, diacritics and the unit's
        word ignored; when several, narrowed by the unit's word and by the diacritics as typed
        (if that leaves any). None when unknown."""
        unit, key = _split_unit(text)
        found = self._by_key.get(key, [])
        if len(found) > 1 and unit is not None:
            found = [place for place in found if self._units[place.code] == unit] or found
        if len(found) > 1:
            exact = _exact(text)
            same = [p for p in found if exact in (_exact(p.name), _exact(_bare_name(p.name)))]
            found = same or found
        return list(found)


def _bare_name(name: str) -> str:
    """``Phường Sa Pa`` → ``Sa Pa`` (the official name without its unit word)."""
    unit, _ = _split_unit(name)
    return name if unit is None else " ".join(name.split()[len(unit.split()) :])


@dataclass(frozen=True)
class _Directory:
    provinces: tuple[Place, ...]
    province_by_code: dict[str, Place]
    province_index: _Index
    communes_by_province: dict[str, tuple[Place, ...]]
    commune_by_code: dict[str, Place]
    commune_index: dict[str, _Index]  # per province
    nationwide: _Index  # every commune, for filters by name


@functools.cache
def _directory() -> _Directory:
    """The package's provinces and communes, indexed once per process (about 3,300 units)."""
    from vietnam_provinces import Province, Ward

    provinces = tuple(
        sorted(
            (Place(f"{int(p.code):02d}", p.name) for p in Province.iter_all()),
            key=lambda place: place.code,
        )
    )
    province_index = _Index()
    for province in provinces:
        province_index.add(province)
    communes: dict[str, list[Place]] = defaultdict(list)
    for ward in Ward.iter_all():
        province_code = f"{int(ward.province_code):02d}"
        communes[province_code].append(Place(f"{int(ward.code):05d}", ward.name, province_code))
    commune_index: dict[str, _Index] = {}
    nationwide = _Index()
    for province_code, places in communes.items():
        places.sort(key=lambda place: place.code)
        index = commune_index[province_code] = _Index()
        for place in places:
            index.add(place)
            nationwide.add(place)
    return _Directory(
        provinces=provinces,
        province_by_code={p.code: p for p in provinces},
        province_index=province_index,
        communes_by_province={code: tuple(places) for code, places in communes.items()},
        commune_by_code={p.code: p for places in communes.values() for p in places},
        commune_index=commune_index,
        nationwide=nationwide,
    )


def _as_code(text: str, width: int) -> str | None:
    """``14`` or ``4048`` as the official code (``04048``); None for anything but ASCII digits."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > width:
        return None
    return f"{int(digits):0{width}d}"


# ---------------------------------------------------------------- lookups


def provinces() -> tuple[Place, ...]:
    """The 34 provinces and centrally run cities, by code."""
    return _directory().provinces


def province_matches(ref: str) -> list[Place]:
    """The provinces a code or a name may mean (one, several, or none)."""
    directory = _directory()
    code = _as_code(ref, 2)
    if code is not None:
        found = directory.province_by_code.get(code)
        return [found] if found else []
    return directory.province_index.match(ref)


def find_province(ref: str | None) -> Place | None:
    """The province with this code or name, when exactly one matches."""
    found = province_matches(ref) if ref else []
    return found[0] if len(found) == 1 else None


def communes(province_code: str, q: str | None = None) -> tuple[Place, ...]:
    """The communes, wards and special zones of a province, by code; ``q`` narrows them to the
    names containing it, diacritics, case and punctuation ignored."""
    places = _directory().communes_by_province.get(province_code, ())
    needle = _folded(q or "")
    if not needle:
        return places
    return tuple(place for place in places if needle in _folded(place.name))


def commune_matches(province_code: str, ref: str) -> list[Place]:
    """The communes of this province a code or a name may mean (one, several, or none)."""
    directory = _directory()
    code = _as_code(ref, 5)
    if code is not None:
        found = directory.commune_by_code.get(code)
        return [found] if found and found.province_code == province_code else []
    index = directory.commune_index.get(province_code)
    return index.match(ref) if index else []


def commune_codes(ref: str) -> tuple[str, ...]:
    """For ``?commune=`` filters: the code given, or the codes of every commune of that name
    in the country, matched as ``commune_matches`` does (empty when nothing matches)."""
    directory = _directory()
    code = _as_code(ref, 5)
    if code is not None:
        return (code,) if code in directory.commune_by_code else ()
    return tuple(sorted(place.code for place in directory.nationwide.match(ref)))


# ---------------------------------------------------------------- checking input


def _error(code: str, where: str | None, field: str, message: str) -> ValidationFailed:
    details = {field: [message]}
    return ValidationFailed(message, code=code, details={where: details} if where else details)


def _choices(places: list[Place]) -> str:
    return " or ".join(f"{place.name} ({place.code})" for place in places)


def resolve(province_ref: str | None, commune_ref: str | None, *, where: str | None = None):
    """The official province and commune for a code or name of each: 422 ``unknown_province``,
    or ``unknown_commune`` when the commune is not one of that province's.

    ``where`` nests the field errors (``shipping_address``) in the answer's details.
    """
    found = province_matches(province_ref) if province_ref else []
    if len(found) != 1:
        message = (
            Msg(
                "%(province)s is not a province of Vietnam; see /api/v1/places/provinces.",
                province=repr(province_ref),
            )
            if province_ref
            else Msg(N_("Give the province."))
        )
        raise _error("unknown_province", where, "province", message)
    province = found[0]
    found = commune_matches(province.code, commune_ref) if commune_ref else []
    if len(found) != 1:
        listing = f"/api/v1/places/provinces/{province.code}/communes"
        if len(found) > 1:
            message = Msg(
                "%(commune)s may be %(choices)s: give its code.",
                commune=repr(commune_ref),
                choices=_choices(found),
            )
        elif commune_ref:
            message = Msg(
                "%(commune)s is not a commune of %(province)s; see %(listing)s.",
                commune=repr(commune_ref),
                province=province.name,
                listing=listing,
            )
        else:
            message = Msg(
                "Give the commune or ward in %(province)s; see %(listing)s.",
                province=province.name,
                listing=listing,
            )
        raise _error("unknown_commune", where, "commune", message)
    return province, found[0]


ADDRESS_FIELDS = (
    "name",
    "phone",
    "line1",
    "line2",
    "commune",
    "commune_code",
    "province",
    "province_code",
    "district",
    "country",
    "postal_code",
)


def checked_address(address: dict, *, where: str = "shipping_address") -> dict:
    """A shipping address as it is stored and answered: in Vietnam with the official names and
    codes of its province and commune; abroad as given, under an ISO 3166-1 alpha-2 country;
    the phone in E.164, read in that country.

    422 ``invalid_country``, ``unknown_province`` or ``unknown_commune``.
    """
    country = address.get("country")
    if country not in COUNTRY_CODES:
        raise _error(
            "invalid_country", where, "country", N_("Not an ISO 3166-1 alpha-2 country code.")
        )
    checked = {name: address.get(name) for name in ADDRESS_FIELDS}
    try:
        checked["phone"] = normalise_phone(address.get("phone") or "", region=country)
    except InvalidPhone as exc:
        raise _error("validation_error", where, "phone", exc.args[0]) from exc
    if country == VIETNAM:
        province, commune = resolve(address.get("province"), address.get("commune"), where=where)
        checked.update(
            province=province.name,
            province_code=province.code,
            commune=commune.name,
            commune_code=commune.code,
        )
    else:
        checked.update(province_code=None, commune_code=None)
    return checked
