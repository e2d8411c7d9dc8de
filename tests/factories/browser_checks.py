"""Checks every page area runs in Chromium: what a first visit costs on the network, and what
axe-core finds wrong for people using assistive technology.

    from tests.factories.browser_checks import first_load, serious_violations

    load = first_load(phone.page, phone.base + "/search?q=tho+cam")
    assert load.transferred <= PAGE_BUDGET, load.describe()
    assert serious_violations(phone.page) == []

``first_load`` opens the page in a fresh, empty cache (Chromium's cache disabled through the
DevTools protocol) and adds up ``encodedDataLength`` of every response the page loaded — what
travelled over the wire: headers and bodies as sent, compressed or not, images included — until
the network has been idle. ``serious_violations`` runs axe-core (from axe-playwright-python,
which carries it) and keeps the serious and critical findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

SERIOUS = ("serious", "critical")
KB = 1024


@dataclass
class Load:
    url: str
    status: int
    transferred: int = 0  # bytes over the wire, all responses of the first load
    responses: dict[str, int] = field(default_factory=dict)  # URL → bytes

    def describe(self) -> str:
        lines = [f"{self.url}: {self.transferred} bytes ({self.transferred / KB:.1f} KB)"]
        lines += [f"  {size:>8}  {url}" for url, size in sorted(self.responses.items())]
        return "\n".join(lines)


def first_load(page: Page, url: str) -> Load:
    """Open ``url`` as a first visit (nothing cached) and measure what it transferred."""
    cdp = page.context.new_cdp_session(page)
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on(
        "Network.responseReceived",
        lambda event: urls.__setitem__(event["requestId"], event["response"]["url"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda event: sizes.__setitem__(
            event["requestId"], sizes.get(event["requestId"], 0) + event["encodedDataLength"]
        ),
    )
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        response = page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        status = response.status if response is not None else 0
    finally:
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.detach()
    load = Load(url, status)
    for request_id, size in sizes.items():
        name = urls.get(request_id, request_id)
        load.responses[name] = load.responses.get(name, 0) + size
        load.transferred += size
    return load


def axe_violations(page: Page) -> list[dict]:
    """Every axe-core violation on the page as it is now (WCAG 2.x A and AA, best practices)."""
    return Axe().run(page).response["violations"]


def serious_violations(page: Page) -> list[dict]:
    """The serious and critical ones, each as ``{id, impact, help, targets}`` (easy to read in
    a failed assertion)."""
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in axe_violations(page)
        if violation.get("impact") in SERIOUS
    ]
