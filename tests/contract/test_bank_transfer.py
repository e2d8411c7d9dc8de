"""API.md v1.1 § Bank transfer with VietQR, as a client sees it: shops' bank accounts, bank-
transfer checkouts and their VietQR codes (read back by vietnam-qr-pay's parser and, from the
image, by zxing-cpp), mark-paid, and the signed bank-feed webhook."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.contract.conftest import assert_error
from tests.factories.bank import (
    STORED_ACCOUNT,
    TYPED_ACCOUNT,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    account,
    credit,
    decode_payload,
    deliver,
    read_qr_image,
    signature,
)

REFERENCE = re.compile(r"[A-Z0-9]{6,12}")
SAMPLE_QR = Path("/tmp/work/vietqr_sample.png")
_accounts = itertools.count(100)


@pytest.fixture(autouse=True)
def _bank_feed(app_config):
    app_config(BANK_WEBHOOK_SECRET=WEBHOOK_SECRET, PUBLIC_BASE_URL=None)


def bank_seller(api, n: int | None = None, **product_fields):
    owner, shop = api.shop(bank_account=account(next(_accounts) if n is None else n))
    product = api.product(owner, shop, price=120000, stock=5, **product_fields)
    return owner, shop, product


def bank_checkout(api, buyer, *lines, expect: int = 201):
    return api.checkout(buyer, *lines, payment_method="bank_transfer", expect=expect)


def stock(api, product) -> int:
    return api.get(f"/api/v1/products/{product['id']}").get_json()["stock"]


def unmatched(api, who, shop) -> list[dict]:
    response = api.get(f"/api/v1/payments/bank/unmatched?shop={shop['id']}", who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


# ---------------------------------------------------------------- the shop's account


def test_a_shop_keeps_its_account_as_the_bank_prints_it_shown_to_owner_and_office(api):
    owner, shop = api.shop(bank_account=TYPED_ACCOUNT)
    assert shop["bank_account"] == STORED_ACCOUNT
    assert api.get(f"/api/v1/shops/{shop['id']}", owner).get_json()["bank_account"] == (
        STORED_ACCOUNT
    )
    officer = api.staff("officer")
    assert api.get(f"/api/v1/shops/{shop['id']}", officer).get_json()["bank_account"] == (
        STORED_ACCOUNT
    )
    # Never in public shop JSON: not to strangers, buyers, other artisans, nor in lists.
    for who in (None, api.register(), api.register("artisan")):
        assert "bank_account" not in api.get(f"/api/v1/shops/{shop['id']}", who).get_json()
    listed = api.get("/api/v1/shops?limit=100").get_json()["items"]
    assert all("bank_account" not in item for item in listed)
    assert "0071000639271" not in api.get(f"/api/v1/shops/{shop['slug']}").get_data(as_text=True)


def test_an_owner_sets_changes_and_removes_the_account(api):
    owner, shop = api.shop()
    assert shop["bank_account"] is None
    url = f"/api/v1/shops/{shop['id']}"
    changed = api.patch(url, {"bank_account": account(7, account_name="đặng văn đức")}, owner)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["bank_account"] == {
        "bank_bin": "970436",
        "bank_name": "Vietcombank",
        "account_number": "190300000007",
        "account_name": "DANG VAN DUC",
    }
    other = api.patch(url, {"bank_account": account(8, bank_bin="970405")}, owner).get_json()
    assert other["bank_account"]["bank_name"] == "Agribank"
    untouched = api.patch(url, {"description": "Mật ong"}, owner).get_json()
    assert untouched["bank_account"] == other["bank_account"]
    removed = api.patch(url, {"bank_account": None}, owner).get_json()
    assert removed["bank_account"] is None
    # Only the owner edits it.
    stranger = api.register("artisan")
    assert api.patch(url, {"bank_account": account(9)}, stranger).status_code == 403


@pytest.mark.parametrize("bank_bin", ["123456", "", "97043", "bidc"])
def test_an_unknown_bank_is_422_and_opens_no_shop(api, bank_bin):
    owner = api.register("artisan")
    name = f"Không có ngân hàng {bank_bin}"
    response = api.post(
        "/api/v1/shops",
        {"name": name, "commune": "Vân Hồ", "bank_account": account(bank_bin=bank_bin)},
        owner,
    )
    error = assert_error(response, 422, "unknown_bank")
    assert list(error["details"]) == ["bank_account"]
    assert list(error["details"]["bank_account"]) == ["bank_bin"]
    assert api.get("/api/v1/shops", query_string={"q": name}).get_json()["items"] == []


def test_an_unknown_bank_in_an_edit_changes_nothing(api):
    owner, shop = api.shop(bank_account=TYPED_ACCOUNT, description="trước")
    response = api.patch(
        f"/api/v1/shops/{shop['id']}",
        {"description": "sau", "bank_account": account(1, bank_bin="999999")},
        owner,
    )
    assert_error(response, 422, "unknown_bank")
    kept = api.get(f"/api/v1/shops/{shop['id']}", owner).get_json()
    assert (kept["description"], kept["bank_account"]) == ("trước", STORED_ACCOUNT)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("account_number", "12"),
        ("account_number", "0071-0006-ÀÁ"),
        ("account_number", "1" * 25),
        ("account_name", "!!!"),
        ("account_name", "A" * 51),
    ],
)
def test_account_numbers_and_names_a_bank_cannot_print_are_422(api, field, value):
    owner = api.register("artisan")
    response = api.post(
        "/api/v1/shops",
        {"name": "Shop", "commune": "Vân Hồ", "bank_account": account(**{field: value})},
        owner,
    )
    error = assert_error(response, 422)
    assert field in error["details"]["bank_account"]


@pytest.mark.parametrize("bank_account", [{"bank_bin": "970436"}, {}, "970436", [TYPED_ACCOUNT], 5])
def test_incomplete_accounts_are_422(api, bank_account):
    owner = api.register("artisan")
    response = api.post(
        "/api/v1/shops", {"name": "Shop", "commune": "Vân Hồ", "bank_account": bank_account}, owner
    )
    assert_error(response, 422)


# ---------------------------------------------------------------- checkout


def test_a_bank_transfer_checkout_waits_for_the_money_with_a_vietqr_code(api):
    owner, shop, product = bank_seller(api)
    buyer = api.register()
    checkout = bank_checkout(api, buyer, {"product_id": product["id"], "quantity": 2})
    assert checkout["status"] == "pending_payment"
    assert checkout["payment"] == {"method": "bank_transfer"}
    (order,) = checkout["orders"]
    assert (order["status"], order["payment_status"], order["payment_method"]) == (
        "pending_payment",
        "unpaid",
        "bank_transfer",
    )
    assert order["total"] == 2 * 120000 + 30000 == checkout["total"]
    instructions = order["payment_instructions"]
    assert set(instructions) >= {
        "bank_bin",
        "bank_name",
        "account_number",
        "account_name",
        "amount",
        "reference",
        "qr_payload",
        "qr_url",
    }
    assert instructions["bank_bin"] == "970436" and instructions["bank_name"] == "Vietcombank"
    assert instructions["account_number"] == shop["bank_account"]["account_number"]
    assert instructions["account_name"] == "LO THI HOA"
    assert instructions["amount"] == order["total"]
    assert REFERENCE.fullmatch(instructions["reference"])
    assert instructions["qr_url"] == f"http://localhost/api/v1/orders/{order['id']}/qr.png"
    due = datetime.fromisoformat(instructions["expires_at"])
    assert due - datetime.fromisoformat(order["created_at"]) == timedelta(hours=24)
    # The stock is held meanwhile.
    assert stock(api, product) == 3

    # The payload, read by the library's own parser: the shop's account, the total, the
    # reference in the purpose of the transaction, and a valid CRC.
    decoded = decode_payload(instructions["qr_payload"])
    assert decoded.is_valid
    assert decoded.consumer.bank_bin == "970436"
    assert decoded.consumer.bank_number == shop["bank_account"]["account_number"]
    assert decoded.amount == str(order["total"])
    assert decoded.additional_data.purpose == instructions["reference"]

    # The image, read by zxing-cpp: the same payload.
    image = api.get(f"/api/v1/orders/{order['id']}/qr.png", buyer)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert "private" in image.headers["Cache-Control"]
    assert read_qr_image(image.data) == [instructions["qr_payload"]]
    SAMPLE_QR.parent.mkdir(parents=True, exist_ok=True)
    SAMPLE_QR.write_bytes(image.data)
    SAMPLE_QR.with_suffix(".txt").write_text(instructions["qr_payload"] + "\n")

    # The buyer and the shop's owner both see the instructions.
    for who in (buyer, owner):
        seen = api.get(f"/api/v1/orders/{order['id']}", who).get_json()
        assert seen["payment_instructions"] == instructions


def test_each_shop_of_a_checkout_gets_its_own_account_reference_and_code(api):
    _, shop_a, product_a = bank_seller(api, 1)
    _, shop_b, product_b = bank_seller(api, 2)
    buyer = api.register()
    checkout = bank_checkout(
        api,
        buyer,
        {"product_id": product_a["id"], "quantity": 1},
        {"product_id": product_b["id"], "quantity": 3},
    )
    orders = {order["shop"]["id"]: order for order in checkout["orders"]}
    a, b = orders[shop_a["id"]], orders[shop_b["id"]]
    assert a["payment_instructions"]["reference"] != b["payment_instructions"]["reference"]
    for order, shop in ((a, shop_a), (b, shop_b)):
        decoded = decode_payload(order["payment_instructions"]["qr_payload"])
        assert decoded.is_valid
        assert decoded.consumer.bank_number == shop["bank_account"]["account_number"]
        assert decoded.amount == str(order["total"])


def test_bank_transfer_needs_every_shop_to_have_an_account(api):
    _, _, with_account = bank_seller(api)
    owner, shop = api.shop()
    without = api.product(owner, shop, stock=5)
    buyer = api.register()
    response = api.post(
        "/api/v1/checkouts",
        {
            "items": [
                {"product_id": with_account["id"], "quantity": 1},
                {"product_id": without["id"], "quantity": 1},
            ],
            "shipping_address": {
                "name": "Lò Thị Hoa",
                "phone": "0912 345 678",
                "line1": "Bản Cỏ Chàm",
                "commune": "Vân Hồ",
                "province": "Sơn La",
                "country": "VN",
            },
            "payment_method": "bank_transfer",
        },
        buyer,
    )
    assert_error(response, 422, "payment_method_unavailable")
    assert stock(api, with_account) == 5 and stock(api, without) == 5
    assert api.get("/api/v1/orders", buyer).get_json()["items"] == []


def test_other_orders_have_no_instructions_and_no_code(api):
    owner, _, product = bank_seller(api)
    buyer = api.register()
    order = api.checkout(buyer, {"product_id": product["id"], "quantity": 1})["orders"][0]
    assert order["payment_instructions"] is None
    image = api.get(f"/api/v1/orders/{order['id']}/qr.png", buyer)
    assert_error(image, 404)


def test_only_the_buyer_and_the_shop_owner_get_the_code(api):
    owner, _, product = bank_seller(api)
    buyer = api.register()
    order = bank_checkout(api, buyer, {"product_id": product["id"], "quantity": 1})["orders"][0]
    for kind, mimetype in (("png", "image/png"), ("svg", "image/svg+xml")):
        url = f"/api/v1/orders/{order['id']}/qr.{kind}"
        for who in (buyer, owner):
            response = api.get(url, who)
            assert (response.status_code, response.mimetype) == (200, mimetype)
        assert_error(api.get(url, api.register()), 404)
        assert_error(api.get(url, api.staff("officer")), 404)
        assert_error(api.get(url), 401)


def test_the_code_address_uses_public_base_url(api, app_config):
    app_config(PUBLIC_BASE_URL="https://chophien.example.vn/")
    _, _, product = bank_seller(api)
    order = bank_checkout(api, api.register(), {"product_id": product["id"], "quantity": 1})[
        "orders"
    ][0]
    assert order["payment_instructions"]["qr_url"] == (
        f"https://chophien.example.vn/api/v1/orders/{order['id']}/qr.png"
    )


# ---------------------------------------------------------------- mark-paid


def test_the_owner_marks_a_transfer_paid(api):
    owner, _, product = bank_seller(api)
    buyer = api.register()
    order = bank_checkout(api, buyer, {"product_id": product["id"], "quantity": 1})["orders"][0]
    assert_error(api.post(f"/api/v1/orders/{order['id']}/mark-paid", {}, buyer), 403)
    assert_error(api.post(f"/api/v1/orders/{order['id']}/mark-paid", {}, api.register()), 404)
    paid = api.order_move(owner, order["id"], "mark-paid", note="Đã nhận qua Vietcombank")
    assert (paid["status"], paid["payment_status"]) == ("placed", "paid")
    (event,) = paid["history"]
    assert (event["from"], event["to"], event["by"], event["reason"]) == (
        "pending_payment",
        "placed",
        owner.id,
        "Đã nhận qua Vietcombank",
    )
    again = api.post(f"/api/v1/orders/{order['id']}/mark-paid", {}, owner)
    assert_error(again, 409, "invalid_transition")
    # It goes on like any placed order.
    assert api.order_move(owner, order["id"], "confirm")["status"] == "confirmed"
    # Its checkout is paid.
    checkout = api.get(f"/api/v1/checkouts/{order['checkout_id']}", buyer).get_json()
    assert checkout["status"] == "paid"


def test_only_bank_transfer_orders_are_marked_paid(api):
    owner, _, product = bank_seller(api)
    order = api.checkout(api.register(), {"product_id": product["id"], "quantity": 1})["orders"][0]
    response = api.post(f"/api/v1/orders/{order['id']}/mark-paid", {}, owner)
    assert_error(response, 422, "not_bank_transfer")


def test_a_cancelled_transfer_cannot_be_marked_paid(api):
    owner, _, product = bank_seller(api)
    buyer = api.register()
    order = bank_checkout(api, buyer, {"product_id": product["id"], "quantity": 2})["orders"][0]
    cancelled = api.order_move(buyer, order["id"], "cancel", reason="Đổi ý")
    assert cancelled["payment_instructions"] is None
    assert stock(api, product) == 5
    assert_error(api.post(f"/api/v1/orders/{order['id']}/mark-paid", {}, owner), 409)
    assert_error(api.get(f"/api/v1/orders/{order['id']}/qr.png", buyer), 404)
    checkout = api.get(f"/api/v1/checkouts/{order['checkout_id']}", buyer).get_json()
    assert checkout["status"] == "cancelled"


# ---------------------------------------------------------------- the bank feed


def transfer_for(order: dict, amount: int | None = None, note: str | None = None, **changes):
    """The transfer the buyer was asked for (``changes`` alter it)."""
    instructions = order["payment_instructions"]
    made = credit(
        instructions["account_number"],
        instructions["amount"] if amount is None else amount,
        note if note is not None else f"MBVCB.123 {instructions['reference']} chuyen tien",
    )
    return {**made, **changes}


def placed_order(api, quantity: int = 1):
    owner, shop, product = bank_seller(api)
    buyer = api.register()
    checkout = bank_checkout(api, buyer, {"product_id": product["id"], "quantity": quantity})
    return owner, shop, buyer, checkout["orders"][0]


def test_the_webhook_answers_503_until_it_has_a_secret(api, app_config):
    app_config(BANK_WEBHOOK_SECRET=None)
    response = deliver(api.client, credit("1", 1000, "x"))
    assert_error(response, 503, "bank_webhook_unconfigured")


def test_a_transfer_pays_its_order_and_the_same_delivery_twice_pays_once(api):
    owner, shop, buyer, order = placed_order(api)
    transfer = transfer_for(order)
    first = deliver(api.client, transfer)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"applied": 1, "unmatched": 0, "duplicate": 0, "ignored": 0}
    paid = api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()
    assert (paid["status"], paid["payment_status"]) == ("placed", "paid")
    (event,) = paid["history"]
    assert (event["from"], event["to"], event["by"]) == ("pending_payment", "placed", "system")
    # Kept after payment: what was paid, to whom, with which note.
    assert paid["payment_instructions"] == order["payment_instructions"]

    replay = deliver(api.client, transfer)
    assert replay.get_json() == {"applied": 0, "unmatched": 0, "duplicate": 1, "ignored": 0}
    assert len(api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()["history"]) == 1
    assert unmatched(api, owner, shop) == []
    checkout = api.get(f"/api/v1/checkouts/{order['checkout_id']}", buyer).get_json()
    assert checkout["status"] == "paid"


@pytest.mark.parametrize(
    "note",
    ["{ref}", "{lower}", "{spaced}", "{dashed}", "IBFT {dashed} tu NGUYEN VAN A", "x{ref}y"],
)
def test_the_reference_is_found_ignoring_case_spaces_and_dashes(api, note):
    _, _, buyer, order = placed_order(api)
    reference = order["payment_instructions"]["reference"]
    text = note.format(
        ref=reference,
        lower=reference.lower(),
        spaced=" ".join(reference),
        dashed=f"{reference[:4]}-{reference[4:]}",
    )
    response = deliver(api.client, transfer_for(order, note=text))
    assert response.get_json()["applied"] == 1, text
    assert api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()["payment_status"] == "paid"


def test_an_underpayment_is_kept_unmatched_and_the_order_stays_unpaid(api):
    owner, shop, buyer, order = placed_order(api)
    short = transfer_for(order, amount=order["total"] - 1000)
    response = deliver(api.client, short)
    assert response.get_json() == {"applied": 0, "unmatched": 1, "duplicate": 0, "ignored": 0}
    seen = api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()
    assert (seen["status"], seen["payment_status"]) == ("pending_payment", "unpaid")
    (kept,) = unmatched(api, owner, shop)
    assert kept["transaction_id"] == short["id"]
    assert (kept["amount"], kept["reason"], kept["order_id"]) == (
        order["total"] - 1000,
        "underpaid",
        order["id"],
    )
    assert kept["transferred_at"] == "2026-12-07T02:15:00+00:00"  # 09:15 in Hà Nội
    # The rest arrives as a full second transfer: that one pays.
    assert deliver(api.client, transfer_for(order)).get_json()["applied"] == 1


def test_paying_more_than_the_total_pays(api):
    _, _, buyer, order = placed_order(api)
    assert (
        deliver(api.client, transfer_for(order, amount=order["total"] + 5000)).get_json()["applied"]
        == 1
    )
    assert api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()["payment_status"] == "paid"


def test_transfers_that_name_no_order_or_reach_another_account_pay_nothing(api):
    owner, shop, buyer, order = placed_order(api)
    account_number = order["payment_instructions"]["account_number"]
    nothing = credit(account_number, order["total"], "tien hang thang 12")
    elsewhere = transfer_for(order, account_number="999900001111")
    response = deliver(api.client, nothing, elsewhere)
    assert response.get_json() == {"applied": 0, "unmatched": 2, "duplicate": 0, "ignored": 0}
    assert api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()["status"] == (
        "pending_payment"
    )
    reasons = {item["transaction_id"]: item["reason"] for item in unmatched(api, owner, shop)}
    assert reasons == {nothing["id"]: "no_reference", elsewhere["id"]: "wrong_account"}


def test_a_second_transfer_for_a_paid_order_is_unmatched(api):
    owner, shop, _, order = placed_order(api)
    deliver(api.client, transfer_for(order))
    twice = transfer_for(order)
    assert deliver(api.client, twice).get_json()["unmatched"] == 1
    assert [(i["transaction_id"], i["reason"]) for i in unmatched(api, owner, shop)] == [
        (twice["id"], "already_paid")
    ]


def test_a_transfer_after_the_owner_marked_the_order_paid_confirms_it(api):
    owner, shop, buyer, order = placed_order(api)
    api.order_move(owner, order["id"], "mark-paid")
    assert deliver(api.client, transfer_for(order)).get_json()["applied"] == 1
    assert unmatched(api, owner, shop) == []
    assert len(api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()["history"]) == 1


def test_a_transfer_for_a_cancelled_order_is_unmatched(api):
    owner, shop, buyer, order = placed_order(api, quantity=2)
    api.order_move(buyer, order["id"], "cancel")
    assert deliver(api.client, transfer_for(order)).get_json()["unmatched"] == 1
    seen = api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()
    assert (seen["status"], seen["payment_status"]) == ("cancelled", "unpaid")
    assert [i["reason"] for i in unmatched(api, owner, shop)] == ["order_closed"]


def test_debits_are_ignored_and_extra_fields_accepted(api):
    _, _, buyer, order = placed_order(api)
    debit = transfer_for(order, amount=-order["total"], transferType="out", gateway="VCB")
    response = deliver(api.client, debit)
    assert response.get_json() == {"applied": 0, "unmatched": 0, "duplicate": 0, "ignored": 1}
    numeric_id = transfer_for(order, id=987654321, when=None, gateway="Vietcombank")
    assert deliver(api.client, numeric_id).get_json()["applied"] == 1


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha256=00", "sha1=abc", "{good}x", "{good_other_secret}"],
)
def test_a_bad_signature_is_400_and_changes_nothing(api, header):
    owner, shop, buyer, order = placed_order(api)
    body = json.dumps({"transactions": [transfer_for(order)]}).encode()
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Signature"] = header.format(
            good=signature(body), good_other_secret=signature(body, "another secret")
        )
    response = api.client.post(WEBHOOK_PATH, data=body, headers=headers)
    assert_error(response, 400, "invalid_signature")
    seen = api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()
    assert (seen["status"], seen["payment_status"]) == ("pending_payment", "unpaid")
    assert unmatched(api, owner, shop) == []
    # The same body, rightly signed, still pays: nothing was recorded.
    assert (
        api.client.post(
            WEBHOOK_PATH, data=body, headers={**headers, "X-Signature": signature(body)}
        ).get_json()["applied"]
        == 1
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'"x"',
        b"\xff\xfe",
        b"[" * 50_000,
        b'{"transactions": {}}',
        b'{"transactions": [1]}',
        b'{"transactions": [{}]}',
        b'{"transactions": [{"id": true, "account_number": "1", "amount": 1}]}',
        b'{"transactions": [{"id": "a", "account_number": "1", "amount": 1.5}]}',
        b'{"transactions": [{"id": "a", "account_number": "1", "amount": NaN}]}',
        b'{"transactions": [{"id": "a", "account_number": "1", "amount": 1e400}]}',
        b'{"transactions": [{"id": "a", "account_number": "1", "amount": 10000000000000000000}]}',
        b'{"transactions": [{"id": "a", "account_number": "", "amount": 1}]}',
        b'{"transactions": [{"id": "", "account_number": "1", "amount": 1}]}',
        b'{"transactions": [{"id": "a", "account_number": "1", "amount": 1, "when": 5}]}',
        b'{"transactions": [{"id": "a", "account_number": "1", "amount": 1, "description": []}]}',
    ],
)
def test_signed_bodies_of_the_wrong_shape_are_4xx_and_apply_nothing(api, body):
    response = api.client.post(WEBHOOK_PATH, data=body, headers={"X-Signature": signature(body)})
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:200]
    assert_error(response, response.status_code)


def test_a_delivery_with_an_unreadable_date_still_pays(api):
    _, _, buyer, order = placed_order(api)
    response = deliver(api.client, transfer_for(order, when="hôm qua"))
    assert response.get_json()["applied"] == 1


# ---------------------------------------------------------------- unmatched, who sees them


def test_unmatched_transactions_are_the_shop_owners_and_the_offices(api):
    owner, shop, buyer, order = placed_order(api)
    other_owner, other_shop, _, other_order = placed_order(api)
    deliver(
        api.client,
        transfer_for(order, amount=1000),
        transfer_for(other_order, amount=1000),
        credit("555566667777", 50000, "no one's"),
    )
    assert [i["order_id"] for i in unmatched(api, owner, shop)] == [order["id"]]
    assert [i["order_id"] for i in unmatched(api, other_owner, other_shop)] == [other_order["id"]]
    # Another artisan may not look; without a shop an owner sees all of theirs, a buyer
    # nothing; unknown shops are 404.
    url = f"/api/v1/payments/bank/unmatched?shop={shop['id']}"
    assert_error(api.get(url, other_owner), 403, "not_shop_owner")
    every = api.get("/api/v1/payments/bank/unmatched", owner).get_json()["items"]
    assert [i["order_id"] for i in every] == [order["id"]]
    assert_error(api.get("/api/v1/payments/bank/unmatched", buyer), 403, "not_shop_owner")
    assert_error(api.get("/api/v1/payments/bank/unmatched?shop=nope", owner), 404)
    assert_error(api.get(url), 401)
    # The trade office sees a shop's, or all of them, newest first, a page at a time.
    officer = api.staff("officer")
    assert len(unmatched(api, officer, shop)) == 1
    first = api.get("/api/v1/payments/bank/unmatched?limit=2", officer).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(
        f"/api/v1/payments/bank/unmatched?limit=2&cursor={first['next_cursor']}", officer
    ).get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert len(set(ids)) == 3


def test_transfers_to_a_shops_account_naming_no_order_are_its_too(api):
    owner, shop, _, order = placed_order(api)
    stray = credit(shop["bank_account"]["account_number"], 70000, "ung ho")
    deliver(api.client, stray)
    assert [i["transaction_id"] for i in unmatched(api, owner, shop)] == [stray["id"]]
