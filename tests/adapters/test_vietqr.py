"""The VietQR adapter: Napas's bank list, the EMVCo payload and its images, read back by
independent parsers (vietnam-qr-pay's QRPay for the payload, zxing-cpp for the image)."""

from __future__ import annotations

import pytest

from marketplace.adapters.payments import vietqr
from tests.factories.bank import decode_payload, read_qr_image


def test_banks_come_from_the_package_list_by_bin():
    vietcombank = vietqr.find_bank("970436")
    assert vietcombank is not None
    assert (vietcombank.short_name, vietcombank.name) == (
        "Vietcombank",
        "Ngân hàng TMCP Ngoại Thương Việt Nam",
    )
    assert vietqr.find_bank("970405").short_name == "Agribank"
    assert len(vietqr.banks()) > 40


@pytest.mark.parametrize(
    ("bank_bin", "current"),
    # The list keeps a renamed or taken-over bank beside its successor under one BIN.
    [("970449", "LPBank"), ("970406", "Vikki Bank"), ("970414", "MBV")],
)
def test_a_bin_shared_with_a_deprecated_bank_names_the_current_one(bank_bin, current):
    assert vietqr.find_bank(bank_bin).short_name == current


@pytest.mark.parametrize("bank_bin", ["", "000000", "97043", "970436 ", "abc"])
def test_unknown_bins_find_no_bank(bank_bin):
    assert vietqr.find_bank(bank_bin) is None


def test_the_payload_decodes_to_account_amount_and_note_with_a_valid_crc():
    payload = vietqr.transfer_payload(
        bank_bin="970436", account_number="0071000639271", amount=350000, note="CPABCD2345"
    )
    decoded = decode_payload(payload)
    assert decoded.is_valid
    assert decoded.consumer.bank_bin == "970436"
    assert decoded.consumer.bank_number == "0071000639271"
    assert decoded.amount == "350000"
    assert decoded.currency == "704" and decoded.nation == "VN"
    assert decoded.additional_data.purpose == "CPABCD2345"
    # A dynamic code (init method 12): the payer's app fills in the amount.
    assert decoded.init_method == "12"
    assert decoded.provider.service == "QRIBFTTA"
    assert payload[-8:-4] == "6304" and decoded.crc == payload[-4:]
    # One changed character breaks the CRC.
    tampered = payload.replace("350000", "050000")
    assert not decode_payload(tampered).is_valid


@pytest.mark.parametrize(
    "fields",
    [
        {"note": "Tiền hàng"},  # not ASCII
        {"note": ""},
        {"note": "X" * 26},
        {"account_number": "0071\n0006"},
        {"amount": 0},
    ],
)
def test_payloads_refuse_what_a_bank_app_would_misread(fields):
    base = {"bank_bin": "970436", "account_number": "0071000639271", "amount": 1, "note": "CP1"}
    with pytest.raises(ValueError):
        vietqr.transfer_payload(**{**base, **fields})


def test_the_png_image_reads_back_as_the_payload():
    payload = vietqr.transfer_payload(
        bank_bin="970418", account_number="21510000123456", amount=1_250_000, note="CPZZZZ9999"
    )
    png = vietqr.png(payload)
    assert png.startswith(b"\x89PNG")
    assert read_qr_image(png) == [payload]


def test_the_svg_image_is_a_standalone_document():
    payload = vietqr.transfer_payload(
        bank_bin="970418", account_number="21510000123456", amount=10_000, note="CPZZZZ9999"
    )
    svg = vietqr.svg(payload).decode()
    assert svg.startswith("<?xml") and "<svg" in svg and "<title>VietQR</title>" in svg
