"""How every request body is read: one JSON parse per request, whose failure of any kind is
400 ``malformed_json``.

``app.request_class`` is set to ``BodyRequest``; everything that reads a body (the request
rules, webargs through ``ArgumentsParser``, the sign-in throttle, webhooks) goes through it.
"""

from __future__ import annotations

import typing as t

from flask import Request

from marketplace.errors import MalformedJson


class BodyRequest(Request):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        # Parsing raises ValueError for more than a JSON syntax error (a number of more than
        # 4,300 digits, bytes that are not UTF-8), which werkzeug hands to
        # on_json_loading_failed, and RecursionError for deep nesting, which it lets through:
        # every one of them is the client's malformed body.
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError as exc:
            if silent:
                return None
            raise MalformedJson("The body is nested too deeply.") from exc

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        if e is None:  # not a JSON media type: werkzeug's 415
            return super().on_json_loading_failed(e)
        raise MalformedJson() from e
