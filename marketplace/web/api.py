"""flask-smorest's Api with the contract's error envelope, and the Blueprint API modules use.

The OpenAPI document is told the truth about errors and sign-in here, once for every operation
(``OpenApiTruths``): each operation lists the error statuses it may answer, all with the
contract's envelope ``{"error": {"code", "message", "details"}}``, and the operations that need a
signed-in user require the bearer scheme, so Swagger UI's Authorize button works at /api/docs.
"""

from __future__ import annotations

import marshmallow as ma
from apispec import APISpec, BasePlugin
from flask import Flask
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from marketplace.schemas.common import ErrorEnvelope
from marketplace.web.view_marks import ANY_MEDIA_TYPE, view_mark

BEARER_SCHEME = "bearerAuth"

# Every error status an operation may answer: the component response's name and what it means.
ERROR_RESPONSES = {
    400: (
        "BadRequest",
        "The body is not valid JSON (`malformed_json`), a cursor is not one this list gave "
        "(`invalid_cursor`), or the request is otherwise malformed.",
    ),
    401: (
        "Unauthorized",
        "Not signed in (`unauthorized`), or the bearer token is not valid or was revoked "
        "(`invalid_token`).",
    ),
    403: ("Forbidden", "Signed in, but not allowed to do this."),
    404: ("NotFound", "Not found, or not visible to the caller."),
    409: ("Conflict", "Conflicts with the current state (stock, a status, a duplicate)."),
    413: ("PayloadTooLarge", "The body or the upload is too large."),
    415: ("UnsupportedMediaType", "This call does not take a body of that media type."),
    422: (
        "ValidationFailed",
        "Invalid fields or query parameters: `details` maps each field to a list of messages.",
    ),
    429: ("TooManyRequests", "Too many requests: try again after `Retry-After` seconds."),
    503: (
        "ServiceUnavailable",
        "The database, the media storage or the payment provider is not answering: try again "
        "in a moment.",
    ),
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}
BODY_METHODS = {"post", "put", "patch"}
MAX_PATH_PARAMETER = 140


def may_answer(*statuses: int):
    """Mark a view (a MethodView's method or class, or a view function) with the error statuses
    its own rules may answer, beyond those its shape implies (see ``OpenApiTruths``)."""
    unknown = set(statuses) - set(ERROR_RESPONSES)
    if unknown:
        raise ValueError(f"no error response is defined for {sorted(unknown)}")

    def mark(view):
        view.documented_errors = frozenset(statuses) | getattr(view, "documented_errors", set())
        return view

    return mark


class OpenApiTruths(BasePlugin):
    """An apispec plugin completing each operation from the facts of its view.

    - path parameters (ids and slugs) are at most ``MAX_PATH_PARAMETER`` characters long;
    - the bearer scheme; an operation whose view is marked ``sign_in_first`` requires it and
      answers 401 (and 403 when it is for some roles only); any other takes it optionally;
    - a JSON body may answer 400; any body 413 and 422, and 415 unless the view takes any
      media type (``accepts_body("*/*")``); query parameters 422, a
      ``cursor`` 400; path parameters 404; every operation 503 (the database), and 429 when
      ``RATELIMIT_DEFAULT`` limits every call;
    - the statuses the view's own rules add with ``may_answer``.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        spec.components.security_scheme(
            BEARER_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "description": "The token answered by `POST /api/v1/auth/token` or "
                "`POST /api/v1/auth/register`.",
            },
        )
        # Anonymous, or signed in: public calls show more to their owner (a draft, a
        # suspended shop), so Swagger UI sends the token to them too once authorized.
        spec.options["security"] = [{}, {BEARER_SCHEME: []}]
        for status, (name, description) in ERROR_RESPONSES.items():
            response = {
                "description": description,
                "content": {"application/json": {"schema": ErrorEnvelope}},
            }
            if status == 429:
                response["headers"] = RETRY_AFTER
            spec.components.response(name, response)

    def path_helper(self, path=None, operations=None, parameters=None, **kwargs) -> None:
        # Ids and slugs: an id is 32 characters, a slug at most 140; longer ones find nothing.
        for parameter in parameters or []:
            if isinstance(parameter, dict) and parameter.get("in") == "path":
                parameter.setdefault("schema", {}).setdefault("maxLength", MAX_PATH_PARAMETER)

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        view = self.app.view_functions.get(rule.endpoint) if rule is not None else None
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            roles = view_mark(view, method, "sign_in_roles")
            if roles is not None:
                operation["security"] = [{BEARER_SCHEME: []}]
            statuses = self._error_statuses(view, method, operation, rule, roles)
            responses = operation.setdefault("responses", {})
            for code in list(responses):
                if str(code) == "default" or int(code) >= 400:
                    del responses[code]
            for status in sorted(statuses):
                responses[str(status)] = ERROR_RESPONSES[status][0]

    def _error_statuses(self, view, method, operation, rule, roles) -> set[int]:
        statuses = {503}
        if roles is not None:
            statuses.add(401)
            if roles:
                statuses.add(403)
        if method in BODY_METHODS:
            statuses |= {413, 422}
            if ANY_MEDIA_TYPE not in (view_mark(view, method, "accepted_mimetypes") or ()):
                statuses.add(415)
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            statuses.add(400)
        query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        if query:
            statuses.add(422)
        if any(p.get("name") == "cursor" for p in query):
            statuses.add(400)
        if rule is not None and rule.arguments:
            statuses.add(404)
        if self.app.config.get("RATELIMIT_DEFAULT"):
            statuses.add(429)
        statuses |= view_mark(view, method, "documented_errors") or set()
        return statuses


class MarketplaceApi(Api):
    """Answers every HTTP error with the contract's envelope instead of smorest's own body, and
    documents it (with the bearer scheme) through ``OpenApiTruths``."""

    ERROR_SCHEMA = ErrorEnvelope
    # No catch-all "default" response: each operation lists the statuses it may answer.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app, *, spec_kwargs=None):
        spec_kwargs = dict(spec_kwargs or {})
        plugins = [*spec_kwargs.get("extra_plugins", ()), OpenApiTruths(app)]
        super().init_app(app, spec_kwargs={**spec_kwargs, "extra_plugins": plugins})

    def handle_http_exception(self, error):
        from marketplace.errors import http_exception_response

        return http_exception_response(error)


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser, building each ``@blp.arguments`` schema once instead of per request.

    webargs would instantiate the schema class for every request (a deep copy of every field);
    schemas keep no state between loads, so one instance serves them all.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[ma.Schema], ma.Schema] = {}

    def _get_schema(self, argmap, req) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        """The body as the request parsed it (``BodyRequest.get_json``): parsed once per
        request, and any failure is 400 ``malformed_json``, not only a JSONDecodeError."""
        if not is_json_request(req):
            return core.missing
        return req.get_json()


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint with the parser above: the one every ``blp`` is made from."""

    ARGUMENTS_PARSER = ArgumentsParser()
