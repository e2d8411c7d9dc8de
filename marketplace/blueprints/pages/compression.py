"""Pages, stylesheets and icons travel gzipped: a phone on 4G pays for bytes, not for CPU.

Only complete 200 answers of text types, to a client that accepts gzip; a fingerprinted static
file is compressed once per process (its URL changes with its content). The answer varies on
Accept-Encoding, and its ETag becomes weak (the same content, another encoding).
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import request

COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "image/svg+xml",
        "text/javascript",
        "application/javascript",
    }
)
MIN_SIZE = 600  # smaller answers gain less than gzip's own header and footer cost
LEVEL = 6


@lru_cache(maxsize=64)
def _compressed_static(filename: str, version: str, data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def gzip_response(response):
    if (
        response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or request.method == "HEAD"
    ):
        return response
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.accept_encodings:
        return response
    if response.is_streamed and not response.direct_passthrough:
        return response  # a generator: its length is unknown until it has run
    response.direct_passthrough = False
    source_close = getattr(response.response, "close", None)  # a static file's handle
    data = response.get_data()
    if source_close is not None:
        source_close()
    if len(data) < MIN_SIZE:
        return response
    version = request.args.get("v")
    filename = (request.view_args or {}).get("filename") if request.endpoint == "static" else None
    if filename and version:
        body = _compressed_static(filename, version, data)
    else:
        body = gzip.compress(data, compresslevel=LEVEL, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response
