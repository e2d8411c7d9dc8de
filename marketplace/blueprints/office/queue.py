"""OCOP in the console: the applications queue (approve with stars, reject with a reason) and
the certificates lapsing soon, with the shop's phone to call."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from marketplace.blueprints.office.common import office_only, officer
from marketplace.blueprints.pages.forms import form_errors
from marketplace.errors import DomainError
from marketplace.schemas.trade_office import ApproveSchema, RejectSchema
from marketplace.services import places
from marketplace.services.trade_office import console, ocop

STATUSES = ("pending", "approved", "rejected")
DAYS_CHOICES = (14, 30, 60, 90, 180)


def _queue(status: str, *, errors=None, failed_id=None, values=None, code=200):
    return render_template(
        "office/ocop.html",
        status=status,
        applications=console.applications(status),
        errors=errors or {},
        failed_id=failed_id,
        values=values or {},
        pending=console.count_pending(),
    ), code


def applications():
    """GET /office/ocop?status=pending."""
    status = request.args.get("status", "pending")
    if status not in STATUSES:
        status = "pending"
    return _queue(status)


def approve(application_id: str):
    """POST /office/ocop/<id>/approve: fields ``stars`` (3–5, default as claimed), ``note``."""
    form = {"stars": request.form.get("stars", "").strip(), "note": request.form.get("note")}
    try:
        if form["stars"] and not form["stars"].isdigit():
            raise ValidationError({"stars": ["Choose 3, 4 or 5 stars."]})
        data = ApproveSchema().load(
            {"stars": int(form["stars"]) if form["stars"] else None, "note": form["note"] or None}
        )
        application = ocop.approve_application(officer(), application_id, **data)
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status == 404:
            raise
        errors = form_errors(error, {"stars", "note"})
        return _queue("pending", errors=errors, failed_id=application_id, values=form, code=422)
    flash(
        _(
            "Approved: %(product)s, OCOP %(stars)s stars.",
            product=application.product.title,
            stars=application.stars,
        ),
        "ok",
    )
    return redirect(url_for("office.ocop"), code=303)


def reject(application_id: str):
    """POST /office/ocop/<id>/reject: field ``reason`` (the producer reads it)."""
    form = {"reason": request.form.get("reason", "")}
    try:
        data = RejectSchema().load({"reason": form["reason"]})
        application = ocop.reject_application(officer(), application_id, **data)
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status == 404:
            raise
        errors = form_errors(error, {"reason"})
        return _queue("pending", errors=errors, failed_id=application_id, values=form, code=422)
    flash(_("Rejected: %(product)s.", product=application.product.title), "ok")
    return redirect(url_for("office.ocop"), code=303)


def certificates():
    """GET /office/certificates?expiring=60: current certificates lapsing within the days."""
    raw = request.args.get("expiring", "60")
    days = int(raw) if raw.isdigit() and 0 < int(raw) <= 3650 else None
    error = None if days is not None else _("Enter a number of days from 1 to 3650.")
    rows = ocop.expiring_certificates(days) if days is not None else []
    return render_template(
        "office/certificates.html",
        days=days if days is not None else raw,
        rows=rows,
        error=error,
        choices=DAYS_CHOICES,
        today=places.local_today(),
    ), (422 if error else 200)


def register(web) -> None:
    web.add_url_rule("/ocop", "ocop", office_only(applications))
    web.add_url_rule(
        "/ocop/<application_id>/approve", "ocop_approve", office_only(approve), methods=["POST"]
    )
    web.add_url_rule(
        "/ocop/<application_id>/reject", "ocop_reject", office_only(reject), methods=["POST"]
    )
    web.add_url_rule("/certificates", "certificates", office_only(certificates))
