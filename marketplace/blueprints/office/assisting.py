"""Assisted listing in the console: open a 7-day grant with the owner's consent noted, end it,
and go to the seller centre as that shop ("act as this shop")."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from marketplace.blueprints.office.common import office_only, officer
from marketplace.blueprints.pages.forms import form_errors
from marketplace.errors import DomainError
from marketplace.models.base import utcnow
from marketplace.schemas.trade_office import AssistanceCreateSchema
from marketplace.services.trade_office import assistance, console


def grants(*, errors=None, values=None, failed_shop=None, code=200):
    """GET /office/assistance?shop=<id>: grants open and past, and the form to open one."""
    chosen = failed_shop or request.args.get("shop")
    return render_template(
        "office/assistance.html",
        grants=assistance.recent_grants(),
        now=utcnow(),
        shops=[row.shop for row in console.shops("active")],
        chosen=chosen,
        errors=errors or {},
        values=values or {},
        me=officer(),
    ), code


def open_grant(shop_id: str):
    """POST /office/shops/<id>/assistance: field ``consent_note``."""
    note = request.form.get("consent_note", "")
    try:
        data = AssistanceCreateSchema().load({"consent_note": note})
        grant = assistance.open_grant(officer(), shop_id, data["consent_note"])
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status == 404:
            raise
        code = 409 if isinstance(error, DomainError) and error.status == 409 else 422
        return grants(
            errors=form_errors(error, {"consent_note"}),
            values={"consent_note": note},
            failed_shop=shop_id,
            code=code,
        )
    flash(
        _(
            "You may list for %(shop)s until %(until)s. The owner has been told.",
            shop=grant.shop.name,
            until=grant.expires_at.strftime("%d/%m/%Y"),
        ),
        "ok",
    )
    return redirect(url_for("office.assistance"), code=303)


def open_from_form():
    """POST /office/assistance: fields ``shop`` and ``consent_note`` (the form without scripts
    cannot put the chosen shop in its address)."""
    shop_id = request.form.get("shop", "").strip()
    if not shop_id:
        return grants(
            errors={"shop": [_("Choose the shop.")]},
            values={"consent_note": request.form.get("consent_note", "")},
            code=422,
        )
    return open_grant(shop_id)


def end_grant(shop_id: str):
    """POST /office/shops/<id>/assistance/end: the grant ends now."""
    grant = assistance.end_grant(officer(), shop_id)
    flash(_("Assistance for %(shop)s ended.", shop=grant.shop.name), "ok")
    return redirect(url_for("office.assistance"), code=303)


def register(web) -> None:
    web.add_url_rule("/assistance", "assistance", office_only(grants))
    web.add_url_rule(
        "/assistance", "assistance_form", office_only(open_from_form), methods=["POST"]
    )
    web.add_url_rule(
        "/shops/<shop_id>/assistance",
        "assistance_open",
        office_only(open_grant),
        methods=["POST"],
    )
    web.add_url_rule(
        "/shops/<shop_id>/assistance/end",
        "assistance_end",
        office_only(end_grant),
        methods=["POST"],
    )
