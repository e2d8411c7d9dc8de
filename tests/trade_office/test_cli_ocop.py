"""flask ocop expiring."""

from __future__ import annotations

from datetime import timedelta

from marketplace.services.places import local_today
from tests.factories import make_product, make_shop, make_user
from tests.factories.trade_office import certify


def test_lists_certificates_expiring_within_the_days_asked(app):
    today = local_today()
    owner = make_user("artisan", phone="+84912345678")
    shop = make_shop(owner, name="HTX Mật ong Vân Hồ", phone="+84987654321")
    soon = make_product(shop, title="Mật ong bạc hà")
    certify(soon, 4, expires_on=today + timedelta(days=20))
    later = make_product(make_shop(owner, name="Chè Tà Số"), title="Chè Shan tuyết")
    certify(later, 3, expires_on=today + timedelta(days=59))
    certify(make_product(shop, title="Far away"), 4, expires_on=today + timedelta(days=400))
    certify(make_product(shop, title="Already lapsed"), 4, expires_on=today - timedelta(days=1))
    renewed = make_product(shop, title="Renewed")
    certify(renewed, 3, expires_on=today + timedelta(days=5))
    certify(renewed, 3, expires_on=today + timedelta(days=900))

    result = app.test_cli_runner().invoke(args=["ocop", "expiring", "--days", "60"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["SHOP", "PHONE", "PRODUCT", "EXPIRES", "STARS", "CERTIFICATE"]
    assert len(lines) == 3
    assert "HTX Mật ong Vân Hồ" in lines[1] and "+84987654321" in lines[1]
    assert "Mật ong bạc hà" in lines[1]
    assert (today + timedelta(days=20)).isoformat() in lines[1]
    # No shop phone: the owner's phone is the one to call.
    assert "Chè Tà Số" in lines[2] and "+84912345678" in lines[2]
    assert (today + timedelta(days=59)).isoformat() in lines[2]

    short = app.test_cli_runner().invoke(args=["ocop", "expiring", "--days", "10"])
    assert short.output.count("\n") == 1  # nothing but the "no certificate" line
    assert "No certificate" in short.output
    bad = app.test_cli_runner().invoke(args=["ocop", "expiring", "--days", "-1"])
    assert bad.exit_code != 0
