"""How every request body is read: one JSON parse per request, whose failure of any kind is
400 ``malformed_json``, and one size limit, which holds for chunked bodies too (413).

``app.request_class`` is set to ``BodyRequest``; everything that reads a body (the request
rules, webargs through ``ArgumentsParser``, the sign-in throttle, webhooks) goes through it.
"""

from __future__ import annotations

import typing as t

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.errors import MalformedJson
from marketplace.messages import N_


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
            raise MalformedJson(N_("The body is nested too deeply.")) from exc

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        if e is None:  # not a JSON media type: werkzeug's 415
            return super().on_json_loading_failed(e)
        raise MalformedJson() from e

    def _get_file_stream(self, *args: t.Any, **kwargs: t.Any) -> t.IO[bytes]:
        stream = super()._get_file_stream(*args, **kwargs)
        self.__dict__.setdefault("_upload_streams", []).append(stream)
        return stream

    def _load_form_data(self) -> None:
        # A multipart body cut off by the size limit raises mid-file: the file being written
        # is in no form yet, so nothing else would close it.
        try:
            super()._load_form_data()
        except BaseException:
            for stream in self.__dict__.pop("_upload_streams", []):
                stream.close()
            raise

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False):
        unread = getattr(self, "_cached_data", None) is None
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        if unread and self._cut_at_the_limit(data):
            raise RequestEntityTooLarge()
        return data.decode(errors="replace") if as_text else data

    def _cut_at_the_limit(self, data: bytes) -> bool:
        """A streamed (chunked) body stops being read at ``max_content_length`` without a
        word (werkzeug's LimitedStream): one byte more from the server's stream tells a body
        exactly at the limit from a longer one, which would otherwise be parsed cut short."""
        limit = self.max_content_length
        if limit is None or self.content_length is not None or len(data) < limit:
            return False
        if "wsgi.input_terminated" not in self.environ:
            return False
        return bool(self.input_stream.read(1))
