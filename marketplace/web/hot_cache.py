"""Hot reads: anonymous GETs of the catalogue answered from a cache, with ETag/304.

During a livestream rush hundreds of buyers open the same product page within seconds. For a
visitor without any cookie but ``lang`` and without an ``Authorization`` header (so no session,
no CSRF token, no cart: the answer is the same for every such visitor), the finished answer of
the endpoints in ``HOT_ENDPOINTS`` is kept for ``HOT_CACHE_TTL`` seconds (1 by default) in the
process's memory, keyed by the path and query, the ``lang`` cookie and ``Accept-Language`` and
the catalogue's version. It carries an ``ETag`` (a later ``If-None-Match`` gets 304) and
``Cache-Control: public, max-age=1`` with ``Vary`` on what chose it, which a CDN can use.

What keeps it true: every transaction that changes what these answers show (a product, variant
price or status, a shop, a livestream and its live prices, moderation, a certificate, a
collection, a photo) bumps the catalogue's version once it commits — in this process at once,
and in Redis (``INCR``) when ``REDIS_URL`` is set, which every worker reads on each request, so a
suspended product or an ended live price is gone from every worker's next answer. Without
Redis, other processes see the change when their copy expires (at most ``HOT_CACHE_TTL``). A
sale changes the stock shown, so it bumps the version too: during a rush each purchase costs
one fresh render per hot address, and the hundreds of reads between two purchases hit.

The changes are seen by SQLAlchemy's session events, whatever service made them: objects
flushed, and UPDATE/DELETE/INSERT statements run through the session on the watched tables.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

log = logging.getLogger(__name__)

HOT_ENDPOINTS = frozenset(
    {
        "pages.home",
        "pages.product",
        "pages.shop",
        "pages.livestream",
        "products.Products",
        "products.ProductDetail",
        "shops.ShopDetail",
        "livestreams.LivestreamItem",
    }
)
# Tables whose rows show on those answers.
WATCHED_TABLES = frozenset(
    {
        "products",
        "product_variants",
        "product_images",
        "shops",
        "livestreams",
        "livestream_products",
        "ocop_certificates",
        "categories",
        "collections",
        "collection_items",
        "media",
    }
)
COOKIES_ALLOWED = frozenset({"lang"})
VERSION_KEY = "hot-cache:version"
MAX_ENTRIES = 5000
KEPT_HEADERS_SKIPPED = frozenset({"set-cookie", "content-length", "date"})


@dataclass(frozen=True)
class Entry:
    expires: float
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    etag: str


class HotCache:
    def __init__(self, ttl: float, redis_url: str | None) -> None:
        self.ttl = ttl
        self.enabled = True
        self.local_version = 0
        self.entries: dict[tuple, Entry] = {}
        self.lock = threading.Lock()
        self.redis = (
            redis.Redis.from_url(redis_url, socket_timeout=0.2, socket_connect_timeout=0.2)
            if redis_url
            else None
        )

    def version(self) -> tuple[int, int] | None:
        """This process's version and Redis's; None when Redis does not answer (no caching)."""
        if self.redis is None:
            return (self.local_version, 0)
        try:
            shared = self.redis.get(VERSION_KEY)
        except (redis.RedisError, OSError):
            return None
        return (self.local_version, int(shared or 0))

    def bump(self) -> None:
        with self.lock:
            self.local_version += 1
            self.entries.clear()
        if self.redis is not None:
            try:
                self.redis.incr(VERSION_KEY)
            except (redis.RedisError, OSError):
                log.exception("hot cache: Redis did not take the version bump")

    def get(self, key: tuple) -> Entry | None:
        entry = self.entries.get(key)
        if entry is None or entry.expires < time.monotonic():
            return None
        return entry

    def put(self, key: tuple, entry: Entry) -> None:
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                now = time.monotonic()
                self.entries = {k: e for k, e in self.entries.items() if e.expires >= now}
                if len(self.entries) >= MAX_ENTRIES:
                    self.entries.clear()
            self.entries[key] = entry


def _cache() -> HotCache | None:
    try:
        return current_app.extensions.get("hot_cache")
    except RuntimeError:  # no app context: a script of its own
        return None


def _anonymous(req: Request) -> bool:
    if "Authorization" in req.headers:
        return False
    return all(name in COOKIES_ALLOWED for name in req.cookies)


def _vary() -> str:
    # Pages, stylesheets and icons may travel gzipped (pages/compression.py).
    if request.path.startswith("/api/"):
        return "Authorization, Accept-Language, Accept-Encoding"
    return "Cookie, Accept-Language, Accept-Encoding"


def _accepts_gzip(req: Request) -> bool:
    return "gzip" in req.headers.get("Accept-Encoding", "").lower()


def _key(cache: HotCache, req: Request) -> tuple | None:
    """The cache key of an anonymous GET, or None when it is not to be cached."""
    if req.method != "GET" or not _anonymous(req):
        return None
    version = cache.version() if cache.enabled else None
    if version is None:
        return None
    return (
        version,
        req.full_path,
        req.cookies.get("lang", ""),
        req.headers.get("Accept-Language", ""),
        _accepts_gzip(req),
    )


def _answer(entry: Entry, req: Request) -> Response:
    if entry.etag in req.if_none_match:
        response = Response(status=304)
        for name, value in entry.headers:
            if name.lower() in ("etag", "cache-control", "vary"):
                response.headers[name] = value
    else:
        response = Response(entry.body, status=entry.status)
        response.headers.clear()
        response.headers.extend(entry.headers)
    response.headers["X-Cache"] = "hit"
    return response


class _ServeHits:
    """WSGI middleware: a hit is answered before Flask sees the request (no context, no hooks:
    the stored answer already carries the headers they added), a miss goes on to the app,
    whose after-request function stores it."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app
        self.cache: HotCache = app.extensions["hot_cache"]

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and self.cache.enabled and self.cache.entries:
            req = Request(environ)
            try:
                endpoint, _ = self.app.create_url_adapter(req).match()
            except HTTPException:
                endpoint = None
            if endpoint in HOT_ENDPOINTS:
                key = _key(self.cache, req)
                entry = self.cache.get(key) if key is not None else None
                if entry is not None:
                    return _answer(entry, req)(environ, start_response)
        return self.wsgi_app(environ, start_response)


def _before_request():
    if request.endpoint not in HOT_ENDPOINTS:
        return None
    cache = _cache()
    key = _key(cache, request) if cache is not None else None
    if key is None:
        return None
    entry = cache.get(key)
    if entry is not None:  # stored since the middleware looked
        g.hot_cache_hit = True
        return _answer(entry, request)
    g.hot_cache_key = key
    return None


def _after_request(response: Response) -> Response:
    key = g.pop("hot_cache_key", None)
    if g.pop("hot_cache_hit", False) or key is None:
        return response
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or "Set-Cookie" in response.headers
        # Flask writes the session's cookie after these functions: a page that put something
        # in a new visitor's session (a CSRF token, a cart) is that visitor's alone.
        or session.modified
    ):
        return response
    cache = _cache()
    body = response.get_data()
    etag = hashlib.blake2b(body, digest_size=12).hexdigest()
    response.set_etag(etag)
    ttl = cache.ttl
    response.headers["Cache-Control"] = f"public, max-age={int(ttl)}, s-maxage={int(ttl)}"
    response.headers["Vary"] = _vary()
    headers = tuple(
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in KEPT_HEADERS_SKIPPED
    )
    cache.put(key, Entry(time.monotonic() + ttl, body, 200, headers, etag))
    response.headers["X-Cache"] = "miss"
    return response.make_conditional(request)


# ---------------------------------------------------------------- what changes the catalogue


def _table_of(statement) -> sa.Table | None:
    table = getattr(statement, "table", None)
    return table if isinstance(table, sa.Table) else None


def _do_orm_execute(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = _table_of(state.statement)
    if table is None:
        # A statement we cannot read (text, a CTE): assume it changed the catalogue.
        state.session.info["hot_cache_changed"] = True
        return
    if table.name in WATCHED_TABLES:
        state.session.info["hot_cache_changed"] = True


def _after_flush(session: Session, context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(type(obj), "__tablename__", None) in WATCHED_TABLES:
            session.info["hot_cache_changed"] = True
            return


def _after_commit(session: Session) -> None:
    # (A rolled-back change leaves the mark for the next commit: one needless bump at worst.)
    if session.info.pop("hot_cache_changed", False):
        cache = _cache()
        if cache is not None:
            cache.bump()


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    app.extensions["hot_cache"] = HotCache(
        float(app.config.get("HOT_CACHE_TTL", 1.0)), app.config.get("REDIS_URL")
    )
    if not app.config.get("HOT_CACHE_ENABLED", True):
        return
    app.wsgi_app = _ServeHits(app, app.wsgi_app)
    app.before_request(_before_request)
    # First in the list: Flask runs after_request functions in reverse, so this one sees the
    # answer once every other has finished it (security headers, the transaction's end).
    app.after_request_funcs.setdefault(None, []).insert(0, _after_request)
    if not _listening:
        event.listen(Session, "do_orm_execute", _do_orm_execute)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        _listening = True
