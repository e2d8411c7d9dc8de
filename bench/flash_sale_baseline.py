"""The baseline of bench/flash_sale.py: the least a purchase can do, served like the app.

``POST /buy/<variant_id>`` takes one unit with the guarded ``UPDATE … WHERE stock >= 1`` and
inserts one order row, in one transaction; 201 or 409. No authentication, no validation, no
pricing, no order lines: the floor the app's checkout is compared with.

    DATABASE_URL=… gunicorn --workers 4 --pythonpath bench flash_sale_baseline:app
"""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa
from flask import Flask, jsonify

engine = sa.create_engine(os.environ["DATABASE_URL"])
app = Flask(__name__)

TAKE = sa.text("UPDATE product_variants SET stock = stock - 1 WHERE id = :id AND stock >= 1")
INSERT = sa.text(
    "INSERT INTO flash_baseline_orders (id, variant_id, created_at) VALUES (:id, :variant, now())"
)


@app.post("/buy/<variant_id>")
def buy(variant_id: str):
    order_id = uuid.uuid4().hex
    with engine.begin() as conn:
        if conn.execute(TAKE, {"id": variant_id}).rowcount != 1:
            return jsonify(error="out_of_stock"), 409
        conn.execute(INSERT, {"id": order_id, "variant": variant_id})
    return jsonify(id=order_id), 201


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
