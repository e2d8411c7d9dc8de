"""Which links a livestream may point to: https on the platform's own hosts, nothing else.

Buyers tap these links in the app, so a link that only looks like Facebook
(``https://facebook.com.evil.example/``, ``https://facebook.com@evil.example/``) must never pass.
The host is compared exactly (or with a leading ``www.``), never by prefix, suffix or substring.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from marketplace.messages import N_, Msg

PLATFORM_HOSTS: dict[str, frozenset[str]] = {
    "facebook": frozenset({"facebook.com", "fb.watch", "m.facebook.com"}),
    "tiktok": frozenset({"tiktok.com", "vt.tiktok.com"}),
    "youtube": frozenset({"youtube.com", "youtu.be", "m.youtube.com"}),
    "zalo": frozenset({"zalo.me", "zalo.vn"}),
    "other": frozenset(),
}
PLATFORMS = tuple(PLATFORM_HOSTS)
MAX_URL_LENGTH = 1000

# A DNS name: labels of letters, digits and inner hyphens, at least two labels.
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*$")
# Characters that browsers and URL parsers disagree about: whitespace, controls, backslashes.
_AMBIGUOUS = re.compile(r"[\s\x00-\x1f\x7f\\]")


class InvalidLivestreamUrl(ValueError):
    pass


def _allowed_hosts(platform: str) -> frozenset[str] | None:
    hosts = PLATFORM_HOSTS.get(platform)
    if hosts is None:
        raise InvalidLivestreamUrl(Msg("Unknown platform %(platform)s.", platform=repr(platform)))
    return hosts or None


def check_livestream_url(url: str, platform: str) -> str:
    """The url unchanged when it is https on ``platform``'s own hosts; InvalidLivestreamUrl else."""
    allowed = _allowed_hosts(platform)
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidLivestreamUrl(
            Msg("Give a link of at most %(max)s characters.", max=MAX_URL_LENGTH)
        )
    if _AMBIGUOUS.search(url) or not url.isascii():
        raise InvalidLivestreamUrl(N_("The link has spaces or characters that are not allowed."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidLivestreamUrl(N_("This is not a valid link.")) from exc
    if parts.scheme.lower() != "https":
        raise InvalidLivestreamUrl(N_("The link must start with https://."))
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise InvalidLivestreamUrl(N_("The link must not carry a user name or password."))
    if port not in (None, 443):
        raise InvalidLivestreamUrl(N_("The link must use the standard https port."))
    host = (parts.hostname or "").rstrip(".")
    if not _HOSTNAME.match(host):
        raise InvalidLivestreamUrl(N_("The link has no valid host name."))
    if allowed is not None and host not in allowed and host.removeprefix("www.") not in allowed:
        names = ", ".join(sorted(allowed))
        raise InvalidLivestreamUrl(
            Msg(
                "A %(platform)s livestream link must be on %(hosts)s.",
                platform=platform,
                hosts=names,
            )
        )
    return url
