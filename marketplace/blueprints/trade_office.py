"""The trade office — OCOP, collections, moderation, reports and the audit trail.

    POST   /products/<id>/ocop-applications    product owner     apply for a certificate
    GET    /products/<id>/ocop-applications    owner, office     the product's applications
    GET    /ocop/applications                  office            list (?status=, ?product_id=)
    GET    /ocop/applications/<id>             office, owner     one application
    POST   /ocop/applications/<id>/approve     office            becomes the product's certificate
    POST   /ocop/applications/<id>/reject      office            closed with a reason
    GET    /collections                        anyone            collections, visible products
    POST   /collections                        office            create (ordered products)
    GET    /collections/<id or slug>           anyone            one collection
    PATCH  /collections/<id or slug>           office            edit, reorder
    DELETE /collections/<id or slug>           office            delete
    GET    /collections/<id or slug>/export    office            ?format=json|csv for other floors
    POST   /shops/<id or slug>/suspend|reinstate|verify          office
    POST   /products/<id>/suspend|reinstate    office
    GET    /reports/overview                   office            ?from=&to=
    GET    /reports/sales                      office            ?group_by=&from=&to=&format=csv
    GET    /audit                              office            filters: actor, action, target
    POST   /shops/<id or slug>/assistance      office            open a 7-day assisted-listing grant
    DELETE /shops/<id or slug>/assistance      office, owner     end it
    GET    /assistance                         office            grants (?status=, ?shop_id=)

"office" is officers and admins; anyone else signed in gets 403, and 401 when not signed in
(checked before the body is read).
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, url_for
from flask.views import MethodView

from marketplace.models import Role
from marketplace.pagination import page_body
from marketplace.schemas.common import PaginationArgs
from marketplace.schemas.products import ProductSchema
from marketplace.schemas.shops import ShopSchema
from marketplace.schemas.trade_office import (
    ApplicationCreateSchema,
    ApplicationListArgs,
    ApplicationPageSchema,
    ApplicationSchema,
    ApproveSchema,
    AssistanceCreateSchema,
    AssistanceGrantSchema,
    AssistanceListArgs,
    AssistancePageSchema,
    AuditListArgs,
    AuditPageSchema,
    CollectionCreateSchema,
    CollectionExportSchema,
    CollectionPageSchema,
    CollectionSchema,
    CollectionUpdateSchema,
    ExportArgs,
    OfficeNoteSchema,
    OverviewSchema,
    PeriodArgs,
    ProductApplicationListArgs,
    RejectSchema,
    SalesArgs,
    SalesReportSchema,
    SuspendSchema,
)
from marketplace.services.catalog.product_views import product_view
from marketplace.services.trade_office import (
    assistance,
    audit,
    curation,
    moderation,
    ocop,
    reports,
)
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import require_staff, require_user
from marketplace.web.request_rules import sign_in_first

blp = Blueprint(
    "trade_office",
    __name__,
    url_prefix="/api/v1",
    description="The trade office: OCOP certificates, collections, moderation, reports, audit",
)


# Marks checked before the body or the query is read (web.request_rules): strangers get
# their 401 or 403, never a 415 or a 422 that tells them how the office's calls look.
staff_only = sign_in_first(Role.OFFICER, Role.ADMIN)
signed_in = sign_in_first()


def _currency() -> str:
    return current_app.config["CURRENCY"]


ROWS_AS_JSON_OR_CSV = "The rows as JSON; with `?format=csv`, as CSV with a header row (a download)."


def csv_alternative():
    """Documents the ``?format=csv`` answer beside the JSON one (same status, other type)."""
    return blp.alt_response(
        200,
        schema={"type": "string"},
        content_type="text/csv",
        description=ROWS_AS_JSON_OR_CSV,
        success=True,
    )


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- OCOP ------------------------------------------------------------------------------------


@blp.route("/products/<product_id>/ocop-applications")
@signed_in
class ProductApplications(MethodView):
    @may_answer(403, 409)
    @blp.arguments(ApplicationCreateSchema)
    @blp.response(201, ApplicationSchema)
    def post(self, data, product_id):
        """Apply for the product's OCOP certificate (its owner); 409 if one is pending."""
        return ocop.submit_application(require_user(), product_id, **data)

    @blp.arguments(ProductApplicationListArgs, location="query")
    @blp.response(200, ApplicationPageSchema)
    def get(self, args, product_id):
        """The product's applications, oldest first (its owner and the trade office)."""
        items, next_cursor = ocop.product_applications(require_user(), product_id, **args)
        return page_body(items, next_cursor)


@blp.route("/ocop/applications")
@staff_only
class Applications(MethodView):
    @blp.arguments(ApplicationListArgs, location="query")
    @blp.response(200, ApplicationPageSchema)
    def get(self, args):
        """Applications oldest first (a review queue); ``?status=pending`` for the queue."""
        items, next_cursor = ocop.list_applications(**args)
        return page_body(items, next_cursor)


@blp.route("/ocop/applications/<application_id>")
@signed_in
class ApplicationDetail(MethodView):
    @blp.response(200, ApplicationSchema)
    def get(self, application_id):
        """One application (the trade office, or the product's owner)."""
        return ocop.get_application(require_user(), application_id)


@blp.route("/ocop/applications/<application_id>/approve")
@staff_only
class Approve(MethodView):
    @may_answer(409)
    @blp.arguments(ApproveSchema)
    @blp.response(200, ApplicationSchema)
    def post(self, data, application_id):
        """Approve, possibly with other stars: the product's current certificate is replaced."""
        return ocop.approve_application(require_staff(), application_id, **data)


@blp.route("/ocop/applications/<application_id>/reject")
@staff_only
class Reject(MethodView):
    @may_answer(409)
    @blp.arguments(RejectSchema)
    @blp.response(200, ApplicationSchema)
    def post(self, data, application_id):
        """Reject with a reason the producer will read."""
        return ocop.reject_application(require_staff(), application_id, **data)


# --- Collections -----------------------------------------------------------------------------


@blp.route("/collections")
class Collections(MethodView):
    @blp.arguments(PaginationArgs, location="query")
    @blp.response(200, CollectionPageSchema)
    def get(self, args):
        """Collections newest first, each with its visible products in order."""
        views, next_cursor = curation.list_collections(**args)
        return page_body(views, next_cursor)

    @staff_only
    @may_answer(409)
    @blp.arguments(CollectionCreateSchema)
    @blp.response(201, CollectionSchema)
    def post(self, data):
        """Create a collection; the slug comes from the title when not given."""
        return curation.create_collection(require_staff(), **data)


@blp.route("/collections/<ref>")
class CollectionDetail(MethodView):
    @blp.response(200, CollectionSchema)
    def get(self, ref):
        """A collection by id or slug, with its visible products in order."""
        return curation.view_collection(ref)

    @staff_only
    @may_answer(409)
    @blp.arguments(CollectionUpdateSchema)
    @blp.response(200, CollectionSchema)
    def patch(self, changes, ref):
        """Edit; ``product_ids`` replaces the list in its new order."""
        return curation.update_collection(require_staff(), ref, **changes)

    @staff_only
    @blp.response(204)
    def delete(self, ref):
        """Delete the collection (not its products)."""
        curation.delete_collection(require_staff(), ref)


@blp.route("/collections/<ref>/export")
@staff_only
class CollectionExport(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, CollectionExportSchema, description=ROWS_AS_JSON_OR_CSV)
    @csv_alternative()
    def get(self, args, ref):
        """The visible products as rows for a national e-commerce floor (Postmart, Voso)."""
        collection, rows = curation.export_collection(
            ref, product_url=_product_page_url, currency=_currency()
        )
        if args["format"] == "csv":
            return _download(curation.export_csv(rows), "text/csv", f"{collection.slug}.csv")
        return jsonify(
            {"id": collection.id, "slug": collection.slug, "title": collection.title, "items": rows}
        )


def _product_page_url(product) -> str:
    # The product's storefront page, where a buyer on another floor can read its story.
    return url_for("pages.product", product_id=product.id, _external=True)


# --- Moderation ------------------------------------------------------------------------------


@blp.route("/shops/<shop_ref>/suspend")
@staff_only
class SuspendShop(MethodView):
    @may_answer(409)
    @blp.arguments(SuspendSchema)
    @blp.response(200, ShopSchema)
    def post(self, data, shop_ref):
        """The shop and its products leave public view and cannot be bought."""
        return moderation.suspend_shop(require_staff(), shop_ref, **data)


@blp.route("/shops/<shop_ref>/reinstate")
@staff_only
class ReinstateShop(MethodView):
    @may_answer(409)
    @blp.arguments(OfficeNoteSchema)
    @blp.response(200, ShopSchema)
    def post(self, data, shop_ref):
        """The shop and its products are back as they were."""
        return moderation.reinstate_shop(require_staff(), shop_ref, **data)


@blp.route("/shops/<shop_ref>/verify")
@staff_only
class VerifyShop(MethodView):
    @blp.arguments(OfficeNoteSchema)
    @blp.response(200, ShopSchema)
    def post(self, data, shop_ref):
        """The office has checked the seller: ``verified`` becomes true."""
        return moderation.verify_shop(require_staff(), shop_ref, **data)


@blp.route("/products/<product_id>/suspend")
@staff_only
class SuspendProduct(MethodView):
    @may_answer(409)
    @blp.arguments(SuspendSchema)
    @blp.response(200, ProductSchema)
    def post(self, data, product_id):
        """The product leaves public view and cannot be bought; its owner sees the reason."""
        return product_view(moderation.suspend_product(require_staff(), product_id, **data))


@blp.route("/products/<product_id>/reinstate")
@staff_only
class ReinstateProduct(MethodView):
    @may_answer(409)
    @blp.arguments(OfficeNoteSchema)
    @blp.response(200, ProductSchema)
    def post(self, data, product_id):
        """The product gets back the status it had before the suspension."""
        return product_view(moderation.reinstate_product(require_staff(), product_id, **data))


# --- Reports and audit -----------------------------------------------------------------------


@blp.route("/reports/overview")
@staff_only
class Overview(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, OverviewSchema)
    def get(self, args):
        """Shops and products today; orders, revenue and livestream revenue of the period."""
        return {**reports.overview(args["first"], args["last"]), "currency": _currency()}


@blp.route("/reports/sales")
@staff_only
class Sales(MethodView):
    @blp.arguments(SalesArgs, location="query")
    @blp.response(200, SalesReportSchema, description=ROWS_AS_JSON_OR_CSV)
    @csv_alternative()
    def get(self, args):
        """Sales grouped by commune, shop, month, OCOP stars or category; ``?format=csv``."""
        rows = reports.sales(args["group_by"], args["first"], args["last"])
        if args["format"] == "csv":
            csv = reports.sales_csv(rows, args["group_by"])
            return _download(csv, "text/csv", f"sales-{args['group_by']}.csv")
        return {"rows": rows, "currency": _currency()}


@blp.route("/audit")
@staff_only
class Audit(MethodView):
    @blp.arguments(AuditListArgs, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args):
        """Every officer and admin action, newest first: who, what, target, why, when."""
        items, next_cursor = audit.list_entries(**args)
        return page_body(items, next_cursor)


# --- Assisted listing ------------------------------------------------------------------------


@blp.route("/shops/<shop_ref>/assistance")
class ShopAssistance(MethodView):
    @staff_only
    @may_answer(409)
    @blp.arguments(AssistanceCreateSchema)
    @blp.response(201, AssistanceGrantSchema)
    def post(self, data, shop_ref):
        """Open a 7-day grant to list and edit the shop's products and livestreams for its
        owner (recorded in the audit trail); 409 while the shop has an open grant."""
        return assistance.open_grant(require_staff(), shop_ref, data["consent_note"])

    @signed_in
    @may_answer(403)
    @blp.response(200, AssistanceGrantSchema)
    def delete(self, shop_ref):
        """End the shop's open grant (the trade office or the shop's owner); 404 if none."""
        return assistance.end_grant(require_user(), shop_ref)


@blp.route("/assistance")
@staff_only
class Assistance(MethodView):
    @blp.arguments(AssistanceListArgs, location="query")
    @blp.response(200, AssistancePageSchema)
    def get(self, args):
        """Assistance grants newest first: open ones, or ``?status=all``."""
        items, next_cursor = assistance.list_grants(**args)
        return page_body(items, next_cursor)
