"""Extensions, created unbound and bound to an app by create_app."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from marketplace.api import MarketplaceApi
from marketplace.models.base import db

migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
api = MarketplaceApi()

__all__ = ["api", "csrf", "db", "limiter", "login_manager", "migrate"]
