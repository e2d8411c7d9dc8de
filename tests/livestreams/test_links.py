"""The livestream link allowlist: https on the platform's own hosts, and no look-alikes."""

from __future__ import annotations

import pytest

from marketplace.services.livestreams.links import InvalidLivestreamUrl, check_livestream_url

ACCEPTED = [
    ("facebook", "https://facebook.com/cophien/videos/123"),
    ("facebook", "https://www.facebook.com/cophien/live"),
    ("facebook", "https://m.facebook.com/story.php?id=1"),
    ("facebook", "https://fb.watch/abc123/"),
    ("facebook", "https://FACEBOOK.com/Upper/Case"),
    ("facebook", "https://facebook.com:443/default-port"),
    ("facebook", "https://facebook.com./trailing-dot"),
    ("tiktok", "https://www.tiktok.com/@cophien/live"),
    ("tiktok", "https://vt.tiktok.com/ZS123/"),
    ("youtube", "https://youtube.com/watch?v=abc"),
    ("youtube", "https://www.youtube.com/live/abc"),
    ("youtube", "https://m.youtube.com/watch?v=abc"),
    ("youtube", "https://youtu.be/abc"),
    ("zalo", "https://zalo.me/g/abc"),
    ("zalo", "https://zalo.vn/live"),
    ("other", "https://live.example.org/session/1"),
    ("other", "https://vimeo.com/123"),
]

REJECTED = [
    ("facebook", "http://facebook.com/videos/1"),  # not https
    ("facebook", "javascript:alert(1)"),
    ("facebook", "JaVaScRiPt://facebook.com/%0aalert(1)"),
    ("facebook", "data:text/html,<script>alert(1)</script>"),
    ("facebook", "//facebook.com/videos/1"),  # no scheme
    ("facebook", "facebook.com/videos/1"),
    ("facebook", "https://facebook.com.evil.example/"),
    ("facebook", "https://evil.example/?u=facebook.com"),
    ("facebook", "https://evil.example/facebook.com"),
    ("facebook", "https://evil.example#facebook.com"),
    ("facebook", "https://facebook.com@evil.example/"),
    ("facebook", "https://user:pass@facebook.com/"),
    ("facebook", "https://user@facebook.com/"),
    ("facebook", "https://:@facebook.com/"),
    ("facebook", "https://facebook.com:8443/"),
    ("facebook", "https://facebook.com:0/"),
    ("facebook", "https://facebook.com:99999/"),
    ("facebook", "https://evilfacebook.com/"),
    ("facebook", "https://notfacebook.com/"),
    ("facebook", "https://web.facebook.com.evil.example/"),
    ("facebook", "https://facebook.com\\@evil.example/"),
    ("facebook", "https://facebook.com%2eevil.example/"),
    ("facebook", "https://facebook.com%40evil.example/"),
    ("facebook", "https://faceboök.com/"),
    ("facebook", "https://facebook.com /videos"),
    ("facebook", "https://facebook.com/\nvideos"),
    ("facebook", "https://youtube.com/watch?v=1"),  # another platform's host
    ("facebook", "https://[::1]/"),
    ("facebook", "https:///facebook.com/"),
    ("tiktok", "https://tiktok.com.evil.example/@x"),
    ("tiktok", "https://facebook.com/x"),
    ("youtube", "https://youtu.be.evil.example/x"),
    ("zalo", "https://zalo.me@evil.example/"),
    ("other", "http://live.example.org/"),
    ("other", "javascript:alert(1)"),
    ("other", "https://127.0.0.1/"),
    ("other", "https://user@live.example.org/"),
    ("other", "https://live.example.org:8080/"),
    ("other", "https://localhost/"),
    ("facebook", ""),
    ("facebook", "https://facebook.com/" + "a" * 1000),
]


@pytest.mark.parametrize(("platform", "url"), ACCEPTED)
def test_platform_links_are_accepted(platform, url):
    assert check_livestream_url(url, platform) == url


@pytest.mark.parametrize(("platform", "url"), REJECTED)
def test_look_alikes_and_unsafe_links_are_rejected(platform, url):
    with pytest.raises(InvalidLivestreamUrl):
        check_livestream_url(url, platform)


def test_an_unknown_platform_is_rejected():
    with pytest.raises(InvalidLivestreamUrl):
        check_livestream_url("https://facebook.com/", "myspace")
