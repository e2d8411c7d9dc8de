"""Every string a page or an error shows has its Vietnamese, and the language rules hold."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from marketplace.i18n import TRANSLATIONS

MARKETPLACE = Path(__file__).resolve().parent.parent / "marketplace"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"trimmed": "true"}}


def extracted_messages() -> dict[str, str]:
    """msgid → where it was first found, from the templates and the Python code."""
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(MARKETPLACE), METHODS, OPTIONS
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
