"""Extensions, created unbound and bound to an app by create_app."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from marketplace.models.base import db
from marketplace.web import rate_limit_storage  # noqa: F401 (the database:// scheme)
from marketplace.web.api import MarketplaceApi


class MarketplaceLimiter(Limiter):
    """Flask-Limiter, skipping its before-request search when no limit applies to every route.

    Our limits are declared on the views they guard (sign-in, registration); the search for
    app-wide limits costs every request and finds none unless one is configured, when it
    runs again.
    """

    def _check_request_limit(self, callable_name=None, in_middleware=True) -> None:
        if in_middleware and not self._limits_every_route():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _limits_every_route(self) -> bool:
        manager = self.limit_manager
        return bool(
            manager.default_limits
            or manager.application_limits
            or self._meta_limits
            or manager.blueprint_limits(current_app, request.blueprint)
        )


migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = MarketplaceLimiter(key_func=get_remote_address)
api = MarketplaceApi()

__all__ = ["api", "csrf", "db", "limiter", "login_manager", "migrate"]
