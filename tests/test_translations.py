"""Every string a page or an error shows has its Vietnamese, and the language rules hold."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from werkzeug.exceptions import default_exceptions

from marketplace.errors import HTTP_CODES, DomainError
from marketplace.i18n import TRANSLATIONS
from marketplace.messages import template_msgid, third_party_templates

MARKETPLACE = Path(__file__).resolve().parent.parent / "marketplace"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"trimmed": "true"}}
# `N_("…")` marks a constant API message, `Msg("…%(x)s", x=…)` one with values.
KEYWORDS = {**DEFAULT_KEYWORDS, "Msg": None}


def extracted_messages() -> dict[str, str]:
    """msgid → where it was first found, from the templates and the Python code."""
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(MARKETPLACE), METHODS, OPTIONS, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def vietnamese() -> dict[str, str]:
    translated = {}
    for path in sorted(TRANSLATIONS.glob("*/vi/LC_MESSAGES/messages.po")):
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale="vi")
        for message in catalogue:
            if message.id and message.string and not message.fuzzy:
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                translated[key] = message.string
    return translated


def test_every_string_has_its_vietnamese():
    translated = vietnamese()
    missing = {
        msgid: where for msgid, where in extracted_messages().items() if msgid not in translated
    }
    assert not missing, "no Vietnamese in marketplace/translations/*/vi for:\n" + "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda i: i[1])
    )


def test_no_string_is_translated_two_ways():
    # The areas' catalogues are merged into one: a msgid two areas translate differently
    # would take whichever loads last. Give such strings distinct English ids ("From date").
    seen: dict[str, dict[str, str]] = {}
    for path in sorted(TRANSLATIONS.glob("*/vi/LC_MESSAGES/messages.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="vi"):
                if message.id and message.string and not message.fuzzy:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    seen.setdefault(key, {}).setdefault(str(message.string), path.parts[-4])
    twice = {msgid: ways for msgid, ways in seen.items() if len(ways) > 1}
    assert not twice, "translated differently by two areas:\n" + "\n".join(
        f"  {msgid!r}: {ways}" for msgid, ways in twice.items()
    )


def test_the_extraction_finds_page_strings():
    assert extracted_messages().get("Page not found", "").startswith("templates/pages/error.html")


def test_pages_are_vietnamese_unless_asked(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Không tìm thấy trang" in page


def test_accept_language_english_gets_english_pages(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Page not found" in page.get_data(as_text=True)


def test_lang_switch_is_remembered(client):
    first = client.get("/?lang=en", headers={"Accept-Language": "vi"})
    assert '<html lang="en">' in first.get_data(as_text=True)
    assert "lang=en" in first.headers["Set-Cookie"]
    later = client.get("/", headers={"Accept-Language": "vi"})
    assert '<html lang="en">' in later.get_data(as_text=True)
    back = client.get("/?lang=vi")
    assert '<html lang="vi">' in back.get_data(as_text=True)


def test_an_unknown_language_falls_back_to_vietnamese(client):
    page = client.get("/?lang=fr", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="vi">' in page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers or "lang=" not in page.headers["Set-Cookie"]


# --- the API's error messages ---------------------------------------------------------------


def api_messages() -> dict[str, str]:
    """msgid → where: every message the API's error envelope may carry that is not ours to
    mark (marshmallow's and webargs' field messages, werkzeug's HTTP errors)."""
    found = {(template_msgid(t) if "{" in t else t): "marshmallow" for t in third_party_templates()}
    for status in HTTP_CODES:
        found[default_exceptions[status].description] = f"werkzeug {status}"
    return found


def test_every_api_error_message_has_its_vietnamese():
    translated = vietnamese()
    missing = {msgid: where for msgid, where in api_messages().items() if msgid not in translated}
    assert not missing, "no Vietnamese for these API messages:\n" + "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items())
    )


def test_translations_keep_their_placeholders():
    placeholder = re.compile(r"%\((\w+)\)s")
    wrong = {
        msgid: text
        for msgid, text in vietnamese().items()
        if sorted(placeholder.findall(msgid)) != sorted(placeholder.findall(text))
    }
    assert not wrong, wrong


def _error_classes() -> set[str]:
    def below(cls):
        return {cls.__name__}.union(*(below(sub) for sub in cls.__subclasses__()))

    # (The app, made by the fixtures, has imported every module that defines an error.)
    # Exceptions whose text becomes an API message (str(exc) or exc.args[0]).
    return below(DomainError) | {
        "ValidationError",
        "InvalidPhone",
        "InvalidLivestreamUrl",
        "UnparseableComment",
    }


def unmarked_messages() -> list[str]:
    """Messages given to an error as a bare string or an f-string: a string must be marked
    (``N_``) and values must go through ``Msg``, or the catalogues cannot translate them."""
    errors = _error_classes()
    found = []
    for path in sorted(MARKETPLACE.rglob("*.py")):
        if PAGE_PACKAGES & set(path.parts):  # pages' own forms: their areas' catalogues
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "field" and isinstance(func, ast.Attribute):
                arguments = node.args[1:2]
            elif name in errors:
                arguments = node.args[:1]
            else:
                continue
            arguments += [kw.value for kw in node.keywords if kw.arg == "message"]
            for argument in arguments:
                if isinstance(argument, ast.JoinedStr) or (
                    isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                ):
                    where = path.relative_to(MARKETPLACE.parent)
                    found.append(f"{where}:{node.lineno}: {name}({ast.unparse(argument)})")
    return found


PAGE_PACKAGES = {"pages", "seller", "office", "templates"}


def test_every_error_message_is_marked_for_translation(app):
    unmarked = unmarked_messages()
    assert not unmarked, "wrap in N_() or Msg():\n" + "\n".join(unmarked)


def test_the_marker_check_finds_an_unmarked_message(app, tmp_path, monkeypatch):
    import tests.test_translations as module

    (tmp_path / "bad.py").write_text('raise NotFound(f"No {thing}.")\nraise Conflict("Plain.")\n')
    monkeypatch.setattr(module, "MARKETPLACE", tmp_path)
    assert len(unmarked_messages()) == 2
