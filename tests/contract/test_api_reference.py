"""docs/API.md, the API reference kept in the repository: every /api/ route of the app, and
every operation of the OpenAPI document, has an entry there (method and path template)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "API.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# `METHOD /path…` in code spans: the path runs until a space, a backtick or a query string,
# except inside a {parameter}, which may read `{id or slug}`.
ENTRY = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/(?:[^`\s{?]|\{[^}]*\})*)")
PARAMETER = re.compile(r"\{[^}]*\}|<[^>]*>")


def template(path: str) -> str:
    """``/shops/<shop_ref>/products`` and ``/shops/{id or slug}/products`` alike:
    ``/shops/{}/products``."""
    return PARAMETER.sub("{}", path)


def documented() -> set[tuple[str, str]]:
    return {(method, template(path)) for method, path in ENTRY.findall(REFERENCE.read_text())}


def test_every_api_route_of_the_app_is_in_the_reference(app):
    routes = {
        (method, template(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods & set(METHODS)
    }
    assert routes, "the URL map has no /api/ routes"
    missing = sorted(routes - documented())
    assert not missing, f"routes without an entry in docs/API.md: {missing}"


def test_every_openapi_operation_is_in_the_reference(client):
    spec = client.get("/api/openapi.json").get_json()
    operations = {
        (method.upper(), template(path))
        for path, item in spec["paths"].items()
        for method in item
        if method.upper() in METHODS
    }
    missing = sorted(operations - documented())
    assert not missing, f"operations without an entry in docs/API.md: {missing}"


def test_the_reference_reads_its_entries_as_written():
    entries = documented()
    assert ("GET", "/api/v1/shops/{}") in entries  # `GET /api/v1/shops/{id or slug}`
    assert ("GET", "/api/v1/products") in entries  # `GET /api/v1/products?q=&shop=…`
    assert ("DELETE", "/api/v1/shops/{}/follow") in entries  # v1.1, whoever builds it
    assert ("GET", "/readyz") in entries


def test_the_readme_links_the_reference_and_the_interactive_docs():
    readme = (ROOT / "README.md").read_text()
    assert "](docs/API.md)" in readme
    assert "/api/docs" in readme
    assert "../shared" not in readme
