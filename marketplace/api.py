"""flask-smorest's Api with the contract's error envelope."""

from __future__ import annotations

from flask_smorest import Api


class MarketplaceApi(Api):
    """Answers every HTTP error with the contract's envelope instead of smorest's own body."""

    def handle_http_exception(self, error):
        from marketplace.errors import http_exception_response

        return http_exception_response(error)
