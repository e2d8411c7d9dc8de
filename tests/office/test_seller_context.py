"""The seller centre's side of assisted listing: an officer holding a grant works on the
granted shop there (current_shop, for_shop_workers), and what they change is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login import login_user

from marketplace.blueprints.seller.context import current_shop, for_shop_workers, shops_of
from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.models import AuditEntry, Notification
from marketplace.services.catalog import products as catalog
from marketplace.services.trade_office import assistance
from tests.factories import make_product, make_shop, make_user


@for_shop_workers
def page():
    return "ok"


def test_an_officer_with_a_grant_works_on_that_shop(app):
    officer = make_user("officer")
    own_shop = make_shop(name="Thổ cẩm Cỏ Chàm")
    other = make_shop(name="Mật ong Suối Bàng")
    product = make_product(own_shop, title="Khăn piêu")
    with app.test_request_context("/seller"):
        login_user(officer)
        with pytest.raises(Forbidden):
            page()
        assert shops_of(officer) == []
    assistance.open_grant(officer, own_shop.id, "Chị nhờ tại UBND xã.")
    with app.test_request_context(f"/seller?shop={own_shop.id}"):
        login_user(officer)
        assert page() == "ok"
        assert [shop.id for shop in shops_of(officer)] == [own_shop.id]
        assert current_shop().id == own_shop.id
        # A change made by a seller-centre page after current_shop() is audited and told.
        catalog.update_product(product, {"title": "Khăn piêu thêu tay"})
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.target_id == product.id))
    assert (entry.action, entry.actor_id) == ("assisted.product_updated", officer.id)
    told = db.session.scalar(
        sa.select(Notification)
        .where(Notification.user_id == own_shop.owner_id)
        .order_by(Notification.created_at.desc())
    )
    assert told.params["variant"] == "product_updated"
    with app.test_request_context(f"/seller?shop={other.id}"):
        login_user(officer)
        assert current_shop().id == own_shop.id  # not a shop of theirs: the granted one


def test_artisans_keep_their_own_shops_and_lapsed_grants_let_nothing_through(app):
    artisan = make_user("artisan")
    mine = make_shop(artisan, name="Chè Tô Múa")
    buyer = make_user("buyer")
    with app.test_request_context("/seller"):
        login_user(artisan)
        assert page() == "ok"
        assert current_shop().id == mine.id
    with app.test_request_context("/seller"):
        login_user(buyer)
        with pytest.raises(Forbidden):
            page()
    officer = make_user("officer")
    grant = assistance.open_grant(officer, mine.id, "Anh nhờ qua điện thoại.")
    grant.expires_at = grant.starts_at + timedelta(seconds=1)
    grant.starts_at -= timedelta(days=8)
    grant.expires_at -= timedelta(days=8)
    db.session.commit()
    with app.test_request_context("/seller"):
        login_user(officer)
        with pytest.raises(Forbidden):
            page()


def test_the_owner_sees_who_helps_and_ends_it_from_the_seller_centre(app, client):
    from flask import render_template

    from tests.factories import PASSWORD
    from tests.pages.conftest import csrf_token, sign_in

    owner = make_user("artisan", email="mai@example.test")
    shop = make_shop(owner, name="Thổ cẩm Sùng Mai")
    officer = make_user("officer", name="Lò Văn Hùng")
    assistance.open_grant(officer, shop.id, "Chị nhờ tại UBND xã.")
    with app.test_request_context("/seller"):
        login_user(owner)
        banner = render_template("seller/_assistance.html")
        assert "Lò Văn Hùng" in banner and "/seller/assistance/end" in banner
    sign_in(client, owner.email, PASSWORD)
    ended = client.post(
        "/seller/assistance/end", data={"csrf_token": csrf_token(client, "/"), "next": "/seller"}
    )
    assert ended.status_code == 303
    assert assistance.open_grant_of(shop.id) is None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "assistance.end"))
    assert entry.actor_id == owner.id
    with app.test_request_context("/seller"):
        login_user(owner)
        assert "assistance-banner" not in render_template("seller/_assistance.html")
