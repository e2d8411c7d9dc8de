"""Vietnam's 2025 places: the two list endpoints and how names are matched (API.md v1.1)."""

from __future__ import annotations

import pytest

from marketplace.errors import ValidationFailed
from marketplace.services import places
from tests.factories.envelopes import assert_envelope


def items(response) -> list[dict]:
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"items"}
    return body["items"]


def test_the_34_provinces_and_cities_in_force_since_july_2025(client):
    response = client.get("/api/v1/places/provinces")
    provinces = items(response)
    assert len(provinces) == 34
    assert all(set(p) == {"code", "name"} for p in provinces)
    assert {"code": "14", "name": "Sơn La"} in provinces
    assert {"code": "15", "name": "Lào Cai"} in provinces
    assert {"code": "01", "name": "Thành phố Hà Nội"} in provinces
    assert [p["code"] for p in provinces] == sorted(p["code"] for p in provinces)
    assert "max-age" in response.headers["Cache-Control"]


def test_son_la_has_its_75_communes_and_wards(client):
    communes = items(client.get("/api/v1/places/provinces/14/communes"))
    assert len(communes) == 75
    names = {c["name"] for c in communes}
    assert sum(name.startswith("Phường ") for name in names) == 8
    assert sum(name.startswith("Xã ") for name in names) == 67
    # The former Vân Hồ district's fourteen communes are these five since 2025-07-01.
    assert {
        "04048": "Xã Vân Hồ",
        "04006": "Xã Song Khủa",
        "04018": "Xã Tô Múa",
        "04057": "Xã Xuân Nha",
        "03985": "Xã Chiềng Sơn",
    }.items() <= {c["code"]: c["name"] for c in communes}.items()
    assert "Xã Lóng Luông" not in names  # merged into Xã Vân Hồ


@pytest.mark.parametrize(
    ("province", "q", "expected"),
    [
        ("14", "van ho", ["Xã Vân Hồ"]),
        ("14", "VÂN HỒ", ["Xã Vân Hồ"]),
        ("15", "sa pa", ["Phường Sa Pa"]),
        ("15", "phuong sa", ["Phường Sa Pa"]),
        ("son la", "song khua", ["Xã Song Khủa"]),
        ("14", "nowhere at all", []),
    ],
)
def test_communes_are_searched_without_diacritics(client, province, q, expected):
    found = items(
        client.get(f"/api/v1/places/provinces/{province}/communes", query_string={"q": q})
    )
    assert [c["name"] for c in found] == expected


def test_an_unknown_province_is_404(client):
    for province in ("99", "narnia", "x" * 200, "²", "١٤", "001"):
        response = client.get(f"/api/v1/places/provinces/{province}/communes")
        assert_envelope(response, 404, "province_not_found")


@pytest.mark.parametrize(
    "typed", ["son la", "Sơn La", "Tỉnh Sơn La", "tinh son la", "SƠN LA", "14", " 14 "]
)
def test_a_province_by_code_or_by_name_without_case_diacritics_or_unit_word(typed):
    assert places.find_province(typed) == places.Place("14", "Sơn La")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Hà Nội", "01"),
        ("thanh pho ha noi", "01"),
        ("1", "01"),
        ("TP. Hồ Chí Minh", "79"),
        ("ho chi minh", "79"),
        ("Điện Biên", "11"),
        ("dien bien", "11"),  # đ folds to d
        ("Huế", "46"),
    ],
)
def test_province_names_as_people_type_them(typed, code):
    assert places.find_province(typed).code == code


@pytest.mark.parametrize(
    ("province", "typed", "name"),
    [
        ("15", "sa pa", "Phường Sa Pa"),
        ("15", "Phường Sa Pa", "Phường Sa Pa"),
        ("15", "03006", "Phường Sa Pa"),
        ("15", "3006", "Phường Sa Pa"),
        ("14", "xa van ho", "Xã Vân Hồ"),
        # Two communes of one province that only diacritics tell apart: with them it is clear.
        ("19", "Văn Lăng", "Xã Văn Lăng"),
        ("19", "Văn Lang", "Xã Văn Lang"),
        # A ward and a commune of one name: the unit's word tells them apart.
        ("82", "phuong my tho", "Phường Mỹ Tho"),
    ],
)
def test_commune_names_as_people_type_them(province, typed, name):
    (found,) = places.commune_matches(province, typed)
    assert found.name == name and found.province_code == province


def test_a_name_that_could_be_two_communes_is_refused_with_both_named():
    with pytest.raises(ValidationFailed) as raised:
        places.resolve("Thái Nguyên", "van lang")
    assert raised.value.code == "unknown_commune"
    (message,) = raised.value.details["commune"]
    assert "Xã Văn Lăng" in message and "Xã Văn Lang" in message


def test_a_commune_must_be_one_of_its_provinces():
    assert places.commune_matches("14", "sa pa") == []
    assert places.commune_matches("14", "03006") == []  # Sa Pa's code, but in Lào Cai
    with pytest.raises(ValidationFailed) as raised:
        places.resolve("Sơn La", "Sa Pa", where="shipping_address")
    assert raised.value.code == "unknown_commune"
    assert set(raised.value.details) == {"shipping_address"}
    with pytest.raises(ValidationFailed) as raised:
        places.resolve("Narnia", "Sa Pa")
    assert raised.value.code == "unknown_province"


def test_commune_filters_take_a_code_or_every_commune_of_a_name():
    assert places.commune_codes("04048") == ("04048",)
    assert places.commune_codes("4048") == ("04048",)
    assert places.commune_codes("Xã Vân Hồ") == places.commune_codes("van ho") == ("04048",)
    # Hundreds of names are shared across provinces: a name means all of them.
    tan_thanh = places.commune_codes("Tân Thành")
    communes = places._directory().commune_by_code
    assert len({communes[code].province_code for code in tan_thanh}) > 5
    # Typed with diacritics, they count: Tân Thạnh is another name.
    assert {communes[code].name.split(" ", 1)[1] for code in tan_thanh} == {"Tân Thành"}
    assert set(tan_thanh) < set(places.commune_codes("tan thanh"))
    assert places.commune_codes("Lóng Luông") == places.commune_codes("99999") == ()
    assert places.commune_codes("²") == places.commune_codes("040480") == ()


def test_the_package_is_read_once_per_process():
    assert places._directory() is places._directory()
