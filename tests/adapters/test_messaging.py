"""The notification channels against real peers: an SMTP server (aiosmtpd) with and without
TLS and AUTH, and an HTTP server standing for the SMS gateway."""

from __future__ import annotations

import pytest

from marketplace.adapters.messaging import DeliveryError, OutgoingMessage, channels_for
from marketplace.adapters.messaging.log import LogChannel
from marketplace.adapters.messaging.sms_webhook import SmsWebhookChannel
from marketplace.adapters.messaging.smtp import SmtpChannel, SmtpConfigurationError
from tests.factories.messaging import GATEWAY_TOKEN

MAIL_FROM = "Chợ Phiên <no-reply@cho.example.vn>"


def mail(key="k1", to="hoa@example.vn") -> OutgoingMessage:
    return OutgoingMessage(key, to, "Đơn hàng mới: Khăn piêu x2.", subject="Đơn hàng mới #AB12")


def send(url: str, *messages: OutgoingMessage) -> None:
    channel = SmtpChannel(url, mail_from=MAIL_FROM, timeout=10)
    try:
        for message in messages:
            channel.send(message)
    finally:
        channel.close()


# --- SMTP -----------------------------------------------------------------------------------------


def test_a_plain_server_gets_the_mail_in_utf8_on_one_connection(smtp_server):
    send(smtp_server.url(), mail("k1"), mail("k2", to="lan@example.vn"))

    first, second = smtp_server.mails
    assert first.rcpt_tos == ["hoa@example.vn"] and second.rcpt_tos == ["lan@example.vn"]
    assert first.subject == "Đơn hàng mới #AB12"
    assert first.text.strip() == "Đơn hàng mới: Khăn piêu x2."
    assert first.message["From"] == MAIL_FROM
    assert first.message["Message-ID"] == "<k1@cho.example.vn>"
    assert not first.tls
    assert smtp_server.connections == 1  # kept open between messages


def test_starttls_is_used_whenever_the_server_offers_it(
    smtp_server_factory, trust_test_certificate
):
    server = smtp_server_factory(starttls=True)

    send(server.url(), mail())

    [received] = server.mails
    assert received.tls and not received.authenticated


def test_credentials_go_only_over_tls(smtp_server_factory, trust_test_certificate):
    server = smtp_server_factory(starttls=True, auth=True)

    send(server.url(credentials=True), mail())

    [received] = server.mails
    assert received.tls and received.authenticated


def test_credentials_are_never_sent_to_a_server_without_starttls(smtp_server):
    with pytest.raises(DeliveryError, match="STARTTLS") as refused:
        send(smtp_server.url(credentials=True), mail())

    assert not refused.value.permanent  # a configuration to fix, then retried
    assert smtp_server.mails == []


def test_smtps_is_tls_from_the_first_byte(smtp_server_factory, trust_test_certificate):
    server = smtp_server_factory(implicit_tls=True, auth=True)

    send(server.url("smtps", credentials=True), mail())

    [received] = server.mails
    assert received.tls and received.authenticated


def test_an_untrusted_certificate_is_refused(smtp_server_factory):
    server = smtp_server_factory(starttls=True)

    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        send(server.url(), mail())

    assert server.mails == []


def test_a_refused_mailbox_is_permanent_and_the_next_mail_still_goes(smtp_server):
    smtp_server.refuse("gone@example.vn")
    channel = SmtpChannel(smtp_server.url(), mail_from=MAIL_FROM)

    with pytest.raises(DeliveryError) as refused:
        channel.send(mail("k1", to="gone@example.vn"))
    channel.send(mail("k2"))
    channel.close()

    assert refused.value.permanent
    assert [m.rcpt_tos for m in smtp_server.mails] == [["hoa@example.vn"]]


def test_an_unreachable_server_is_retried_later(closed_port):
    with pytest.raises(DeliveryError) as failed:
        send(f"smtp://127.0.0.1:{closed_port}", mail())

    assert not failed.value.permanent


@pytest.mark.parametrize("url", ["http://mail.example.vn", "smtp://", "mail.example.vn:25"])
def test_smtp_url_must_be_smtp_or_smtps(url):
    with pytest.raises(SmtpConfigurationError):
        SmtpChannel(url)


# --- the SMS gateway ------------------------------------------------------------------------------


def test_the_gateway_gets_json_with_the_bearer_token_and_the_key(sms_gateway):
    channel = SmsWebhookChannel(sms_gateway.url, token=GATEWAY_TOKEN)

    channel.send(OutgoingMessage("key-1", "+84912345678", "Cho Phien: don moi #AB12"))
    channel.close()

    [request] = sms_gateway.messages
    assert (request.to, request.text) == ("+84912345678", "Cho Phien: don moi #AB12")
    assert request.headers["Authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert request.headers["Idempotency-Key"] == "key-1"
    assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "status, permanent", [(500, False), (503, False), (429, False), (408, False), (400, True)]
)
def test_gateway_errors_say_whether_to_retry(sms_gateway, status, permanent):
    sms_gateway.answers = [status]
    channel = SmsWebhookChannel(sms_gateway.url, token=GATEWAY_TOKEN)

    with pytest.raises(DeliveryError) as failed:
        channel.send(OutgoingMessage("k", "+84912345678", "x"))

    assert failed.value.permanent is permanent
    assert str(status) in str(failed.value)


def test_a_wrong_token_is_permanent(sms_gateway):
    with pytest.raises(DeliveryError) as failed:
        SmsWebhookChannel(sms_gateway.url, token="wrong").send(OutgoingMessage("k", "+84", "x"))

    assert failed.value.permanent


def test_an_unreachable_gateway_is_retried_later(closed_port):
    channel = SmsWebhookChannel(f"http://127.0.0.1:{closed_port}/sms", timeout=5)

    with pytest.raises(DeliveryError) as failed:
        channel.send(OutgoingMessage("k", "+84912345678", "x"))

    assert not failed.value.permanent


# --- choosing ------------------------------------------------------------------------------------


def test_the_log_is_the_default_for_both_channels():
    channels = channels_for({})

    assert isinstance(channels["sms"], LogChannel) and isinstance(channels["email"], LogChannel)


def test_configured_channels_are_chosen(sms_gateway, smtp_server):
    channels = channels_for(
        {"SMS_WEBHOOK_URL": sms_gateway.url, "SMTP_URL": smtp_server.url(), "MAIL_FROM": MAIL_FROM}
    )

    assert isinstance(channels["sms"], SmsWebhookChannel)
    assert isinstance(channels["email"], SmtpChannel)
