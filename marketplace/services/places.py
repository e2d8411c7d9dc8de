"""Places the marketplace knows: the communes of Vân Hồ district (Sơn La)."""

from __future__ import annotations

from marketplace.services.text import fold

# The 14 communes before the 2025 reform (../shared/DOMAIN.md).
VAN_HO_COMMUNES = (
    "Vân Hồ",
    "Chiềng Khoa",
    "Chiềng Xuân",
    "Chiềng Yên",
    "Liên Hòa",
    "Lóng Luông",
    "Mường Men",
    "Mường Tè",
    "Quang Minh",
    "Song Khủa",
    "Suối Bàng",
    "Tân Xuân",
    "Tô Múa",
    "Xuân Nha",
)

_BY_FOLDED = {fold(name): name for name in VAN_HO_COMMUNES}


def canonical_commune(name: str) -> str:
    """A known commune in its proper spelling however it was typed (``long luong`` →
    ``Lóng Luông``), so filters match; any other name as typed, spaces squeezed."""
    tidy = " ".join(name.split())
    return _BY_FOLDED.get(fold(tidy), tidy)
