"""Languages: Vietnamese first, English second (Flask-Babel).

Message ids are English; each area of the app keeps its Vietnamese in its own catalogue,
``marketplace/translations/<area>/vi/LC_MESSAGES/messages.po``, so that areas can grow
without touching each other's files. The catalogues are compiled at install
(``python -m marketplace.i18n compile``); compiled ``.mo`` files are never committed.

Which language a request gets:
- pages: ``?lang=`` (remembered in a cookie), the cookie, the signed-in user's ``locale``,
  ``Accept-Language``, and Vietnamese when unsure;
- the API: ``Accept-Language``, then the signed-in user's ``locale``, and English otherwise
  (message codes never change, only the human sentence).
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, get_translations

from marketplace.messages import Msg, parse

LANGUAGES = ("vi", "en")
PAGE_DEFAULT = "vi"
API_DEFAULT = "en"
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).parent / "translations"
# app.extensions[API_USER_LOADER]: loads the bearer token's user into ``g.api_user`` (the web
# layer registers it; this module stays below the web).
API_USER_LOADER = "marketplace.api_user_loader"

babel = Babel()


def catalogue_directories() -> list[Path]:
    """One translations directory per area (each with ``vi/LC_MESSAGES/messages.po``)."""
    return sorted(path for path in TRANSLATIONS.iterdir() if path.is_dir())


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def _supported(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else None


def _signed_in_locale() -> str | None:
    # Pages: only a user already loaded for this request: choosing a language must never be
    # the reason for a database query (error pages render while the database is down).
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return _supported(getattr(user, "locale", None))


def _api_user_locale() -> str | None:
    """The locale of the API caller's bearer token: the user loaded for this request, or
    loaded now (once; an error answered before the view ran still speaks their language).
    When the database cannot tell (it is the error being answered), English it is."""
    if "api_user" not in g:
        if not request.headers.get("Authorization"):
            return None
        load = current_app.extensions.get(API_USER_LOADER)
        if load is None:
            return None
        try:
            load()
        except Exception:  # the database is down or the transaction failed: no locale
            g.api_user, g.api_token_id = None, None
    user = g.get("api_user")
    return _supported(getattr(user, "locale", None)) if user is not None else None


def select_language() -> str:
    if not has_request_context():
        return PAGE_DEFAULT
    if _is_api_request():
        return (
            request.accept_languages.best_match(LANGUAGES)
            or _api_user_locale()
            or _signed_in_locale()
            or API_DEFAULT
        )
    return (
        _supported(request.args.get("lang"))
        or _supported(request.cookies.get(LANGUAGE_COOKIE))
        or _signed_in_locale()
        or request.accept_languages.best_match(LANGUAGES)
        or PAGE_DEFAULT
    )


def translate_message(message):
    """An English message (a ``Msg``, a constant, a marshmallow one) in the request's language.

    Values inside a ``Msg`` that are themselves ``Msg`` are translated too; other values (names,
    slugs, numbers) are put back as they are. A message the catalogues lack stays English.
    """
    if not isinstance(message, str) or not message or not has_request_context():
        return message
    locale = get_locale()
    if locale is None or locale.language == "en":
        return message
    translations = get_translations()
    if isinstance(message, Msg):
        msgid, params = message.msgid, message.params
    else:
        translated = translations.ugettext(message)
        if translated != message:  # a constant message (N_) with its translation
            return translated
        msgid, params = parse(message)  # a third-party message with values in it
    translated = translations.ugettext(msgid)
    if not params:
        return translated
    values = {
        key: translate_message(value) if isinstance(value, Msg) else value
        for key, value in params.items()
    }
    try:
        return translated % values
    except (KeyError, TypeError, ValueError):  # a catalogue entry with broken placeholders
        return message


def translate_details(details, *, in_list: bool = False):
    """The messages of an error's ``details`` in the request's language: the texts listed
    under a field (``{"price": ["Not a valid integer."]}``, at any depth). Keys and single
    values (``{"status": "live"}``: data, not words) are left as they are."""
    if isinstance(details, dict):
        return {key: translate_details(value) for key, value in details.items()}
    if isinstance(details, list | tuple):
        return [translate_details(value, in_list=True) for value in details]
    return translate_message(details) if in_list else details


def _remember_language_choice(response):
    """``?lang=`` on a page is remembered for the next pages (a cookie for a year)."""
    if has_request_context() and not _is_api_request():
        chosen = _supported(request.args.get("lang"))
        if chosen and request.cookies.get(LANGUAGE_COOKIE) != chosen:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=LANGUAGE_COOKIE_MAX_AGE,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure,
            )
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", PAGE_DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES",
        ";".join(str(path) for path in catalogue_directories()),
    )
    babel.init_app(app, locale_selector=select_language)
    # `{% trans %}` blocks are extracted and rendered with their whitespace collapsed.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.after_request(_remember_language_choice)


def compile_catalogues(*, force: bool = False) -> list[Path]:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older; the written files."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for source in sorted(TRANSLATIONS.glob("*/*/LC_MESSAGES/messages.po")):
        target = source.with_suffix(".mo")
        if not force and target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        with source.open("rb") as handle:
            catalogue = read_po(handle, locale=source.parent.parent.name)
        with target.open("wb") as handle:
            write_mo(handle, catalogue, use_fuzzy=False)
        written.append(target)
    return written


if __name__ == "__main__":  # python -m marketplace.i18n compile [--force]
    if sys.argv[1:2] != ["compile"]:
        sys.exit("usage: python -m marketplace.i18n compile [--force]")
    for path in compile_catalogues(force="--force" in sys.argv):
        print(
            f"compiled {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
        )
