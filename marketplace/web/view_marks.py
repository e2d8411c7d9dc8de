"""Marks that decorators leave on views (``sign_in_first``, ``accepts_body``, ``may_answer``),
read the same way by the request rules and by the OpenAPI document."""

from __future__ import annotations

# For ``accepts_body``: a view that reads its body as raw bytes, whatever its declared type.
ANY_MEDIA_TYPE = "*/*"


def view_mark(view, method: str, name: str):
    """The mark ``name`` of the handler of ``method`` in ``view`` (a Flask view function).

    A MethodView's method carries it, or its class for all its methods; a plain view function
    carries it itself.
    """
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, method.lower(), None) or view
    return getattr(handler, name, getattr(view_class, name, None))
