"""Messages to people, behind one small interface: text messages through an SMS gateway over
HTTP (``sms_webhook.py``), e-mail over SMTP (``smtp.py``), and the log (``log.py``) as the
development default for either. ``channels_for(config)`` picks them from the configuration."""

from __future__ import annotations

from collections.abc import Mapping

from marketplace.adapters.messaging.base import Channel, DeliveryError, OutgoingMessage
from marketplace.adapters.messaging.log import LogChannel

__all__ = ["Channel", "DeliveryError", "OutgoingMessage", "channels_for"]


def channels_for(config: Mapping, *, timeout: float = 15) -> dict[str, Channel]:
    """``{"sms": …, "email": …}`` as configured: SMS_WEBHOOK_URL and SMTP_URL, or the log."""
    channels: dict[str, Channel] = {"sms": LogChannel("sms"), "email": LogChannel("email")}
    if config.get("SMS_WEBHOOK_URL"):
        from marketplace.adapters.messaging.sms_webhook import SmsWebhookChannel

        channels["sms"] = SmsWebhookChannel(
            config["SMS_WEBHOOK_URL"], token=config.get("SMS_WEBHOOK_TOKEN"), timeout=timeout
        )
    if config.get("SMTP_URL"):
        from marketplace.adapters.messaging.smtp import SmtpChannel

        channels["email"] = SmtpChannel(
            config["SMTP_URL"], mail_from=config.get("MAIL_FROM"), timeout=timeout
        )
    return channels
