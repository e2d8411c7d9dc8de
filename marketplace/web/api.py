"""flask-smorest's Api with the contract's error envelope, and the Blueprint API modules use."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request


class MarketplaceApi(Api):
    """Answers every HTTP error with the contract's envelope instead of smorest's own body."""

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
