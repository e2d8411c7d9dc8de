"""Places: shops gain the 2025 province and commune codes, a local shipping fee and free
shipping over an amount.

Existing shops are in Sơn La (before this revision the marketplace knew only the communes of
Vân Hồ district, Sơn La). Each is mapped to the 2025 commune that succeeded its commune when
that is known: the former Vân Hồ district's 14 communes by the table below, and a name that is
already one of Sơn La's 2025 communes by the vietnam-provinces package. The others keep their
commune's name, without a code, until they are edited. Downgrading drops the new columns; the
mapped shops keep the 2025 names.

Revision ID: places_0001
Revises: payments_0001
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "places_0001"
down_revision = "payments_0001"
branch_labels = None
depends_on = None

SON_LA = 14
# The communes of the former Vân Hồ district (before 2025-07-01) → the 2025 commune each was
# merged into, whole: Xã Vân Hồ (04048), Xã Song Khủa (04006), Xã Tô Múa (04018), Xã Xuân Nha
# (04057), Xã Chiềng Sơn (03985). Copied from the old-to-new ward table of vietnam-provinces'
# 2026 releases (_ward_conversion_2025.OLD_TO_NEW), which need Python 3.12; a migration keeps
# its data as it was when written anyway.
VAN_HO_SUCCESSORS = {
    "van ho": 4048,
    "long luong": 4048,
    "muong men": 4048,
    "chieng yen": 4048,
    "song khua": 4006,
    "lien hoa": 4006,
    "muong te": 4006,
    "quang minh": 4006,
    "to mua": 4018,
    "suoi bang": 4018,
    "chieng khoa": 4018,
    "xuan nha": 4057,
    "tan xuan": 4057,
    "chieng xuan": 3985,
}
_UNIT_WORDS = ("xa ", "phuong ", "dac khu ", "thi tran ")

shops = sa.table(
    "shops",
    sa.column("id", sa.String),
    sa.column("commune", sa.String),
    sa.column("commune_code", sa.String),
    sa.column("province", sa.String),
    sa.column("province_code", sa.String),
)


def _bare(name):
    """``Xã Lóng Luông`` → ``long luong``: case, diacritics (đ too) and the unit word dropped."""
    text = (name or "").replace("đ", "d").replace("Đ", "D")
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = " ".join(text.lower().split())
    for unit in _UNIT_WORDS:
        if text.startswith(unit):
            return text[len(unit) :]
    return text


def _successors():
    """Bare name → (code, official name) of the 2025 commune a Sơn La commune name means."""
    from vietnam_provinces import ProvinceCode, Ward, WardCode

    by_name = {}
    for ward in Ward.iter_by_province(ProvinceCode(SON_LA)):
        by_name.setdefault(_bare(ward.name), []).append(ward)
    found = {key: wards[0] for key, wards in by_name.items() if len(wards) == 1}
    found.update(
        {key: Ward.from_code(WardCode(code)) for key, code in VAN_HO_SUCCESSORS.items()}
    )
    return {key: (f"{int(ward.code):05d}", ward.name) for key, ward in found.items()}


def _map_existing_shops():
    from vietnam_provinces import Province, ProvinceCode

    bind = op.get_bind()
    rows = bind.execute(sa.select(shops.c.id, shops.c.commune)).all()
    if not rows:
        return
    province = Province.from_code(ProvinceCode(SON_LA)).name
    successors = _successors()
    updates = []
    for shop_id, commune in rows:
        code, name = successors.get(_bare(commune), (None, commune))
        updates.append(
            {
                "shop_id": shop_id,
                "new_province": province,
                "new_province_code": f"{SON_LA:02d}",
                "new_commune": name,
                "new_commune_code": code,
            }
        )
    bind.execute(
        shops.update()
        .where(shops.c.id == sa.bindparam("shop_id"))
        .values(
            province=sa.bindparam("new_province"),
            province_code=sa.bindparam("new_province_code"),
            commune=sa.bindparam("new_commune"),
            commune_code=sa.bindparam("new_commune_code"),
        ),
        updates,
    )


def upgrade():
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("province_code", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("commune_code", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("local_shipping_fee", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("free_shipping_over", sa.Integer(), nullable=True))

    _map_existing_shops()

    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.alter_column("province", existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column("province_code", existing_type=sa.String(length=2), nullable=False)
        batch_op.create_index(batch_op.f("ix_shops_commune_code"), ["commune_code"], unique=False)
        batch_op.create_check_constraint(
            op.f("ck_shops_local_shipping_fee"),
            "local_shipping_fee IS NULL OR local_shipping_fee >= 0",
        )
        batch_op.create_check_constraint(
            op.f("ck_shops_free_shipping_over"),
            "free_shipping_over IS NULL OR free_shipping_over >= 0",
        )


def downgrade():
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shops_free_shipping_over"), type_="check")
        batch_op.drop_constraint(op.f("ck_shops_local_shipping_fee"), type_="check")
        batch_op.drop_index(batch_op.f("ix_shops_commune_code"))
        batch_op.drop_column("free_shipping_over")
        batch_op.drop_column("local_shipping_fee")
        batch_op.drop_column("commune_code")
        batch_op.drop_column("province_code")
        batch_op.drop_column("province")
