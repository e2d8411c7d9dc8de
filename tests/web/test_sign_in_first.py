"""Every call that needs a signed-in user says 401 first, whatever the stranger sent.

A 415 or a 422 to an anonymous caller would tell them what the call expects before they have
shown who they are; clients also rely on 401 to know they must sign in again.
"""

from __future__ import annotations

import re

import pytest

# Calls anyone may make: what they answer to a stranger is their own business.
PUBLIC = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("POST", "/api/v1/media/local-uploads"),  # the signed upload policy is the credential
    ("POST", "/api/v1/payments/stripe/webhook"),  # Stripe's signature is the credential
    ("POST", "/api/v1/payments/bank/webhook"),  # the bank feed's signature is the credential
    ("POST", "/api/v1/checkouts/quote"),  # what a basket would cost, before signing in
}
PUBLIC_READS = re.compile(
    r"^/api/(openapi\.json|docs.*|v1/(shops|shops/<[^>]+>|products|products/<[^>]+>|categories"
    r"|livestreams|livestreams/<[^>]+>|collections|collections/<[^>]+>|places/.*))$"
)


def _calls(app) -> list[tuple[str, str]]:
    calls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, rule.rule) in PUBLIC or (method == "GET" and PUBLIC_READS.match(rule.rule)):
                continue
            calls.append((method, rule.rule))
    return calls


def test_a_stranger_gets_401_before_any_complaint_about_the_body(app, client):
    calls = _calls(app)
    assert len(calls) > 40
    assert ("POST", "/api/v1/collections") in calls
    assert ("POST", "/api/v1/orders/<order_id>/confirm") in calls
    answers = {}
    for method, rule in calls:
        path = re.sub(r"<[^>]+>", "x", rule)
        response = client.open(path, method=method, data="quantity=1", content_type="text/plain")
        answers[(method, rule)] = (response.status_code, response.get_json()["error"]["code"])
    refused = {call: answer for call, answer in answers.items() if answer != (401, "unauthorized")}
    assert refused == {}


@pytest.mark.parametrize(
    "rule", ["/api/v1/collections", "/api/v1/shops/<shop_ref>/suspend", "/api/v1/reports/sales"]
)
def test_a_buyer_gets_403_before_any_complaint_about_the_body(client, auth, rule):
    _, headers = auth.user("buyer")
    method = "GET" if "reports" in rule else "POST"
    path = re.sub(r"<[^>]+>", "x", rule) + ("?group_by=nonsense" if "reports" in rule else "")
    response = client.open(
        path, method=method, data="quantity=1", content_type="text/plain", headers=headers
    )
    assert response.status_code == 403, response.get_json()
