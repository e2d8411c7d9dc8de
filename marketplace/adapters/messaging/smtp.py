"""E-mail over SMTP with the standard library.

``SMTP_URL`` is ``smtp://[user:pass@]host[:port]`` (port 25 by default) or
``smtps://[user:pass@]host[:port]`` (TLS from the first byte, port 465 by default). Over
``smtp://`` the connection is upgraded with STARTTLS whenever the server offers it, and when
credentials are given it must be: they are never sent in clear. Certificates are checked
against the system's trust store. One connection is kept open between messages and dropped
on any error (and by ``close``, when the worker goes idle).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import unquote, urlsplit

from marketplace.adapters.messaging.base import DeliveryError, OutgoingMessage

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
DEFAULT_FROM = "Chợ Phiên <no-reply@localhost>"


class SmtpConfigurationError(ValueError):
    """SMTP_URL cannot be used as given."""


class SmtpChannel:
    name = "email"

    def __init__(self, url: str, *, mail_from: str | None = None, timeout: float = 15) -> None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise SmtpConfigurationError(
                "SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465"
            )
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or DEFAULT_PORTS[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else ""
        self.mail_from = mail_from or DEFAULT_FROM
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2] or "localhost"
        self.message_id_domain = domain
        self.timeout = timeout
        self._connection: smtplib.SMTP | None = None

    # --- the connection --------------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.implicit_tls:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if not self.implicit_tls:
                if connection.has_extn("starttls"):
                    connection.starttls(context=context)
                    connection.ehlo()
                elif self.username:
                    raise DeliveryError(
                        f"{self.host}:{self.port} does not offer STARTTLS: the SMTP credentials "
                        "are not sent over a plain connection (use smtps:// or a TLS server)"
                    )
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            _quietly_close(connection)
            raise
        return connection

    def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(connection)

    # --- sending ---------------------------------------------------------------------------------

    def build(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.mail_from
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = formatdate(usegmt=True)
        # The same Message-ID for every attempt at one message: a copy sent again after a
        # crash is recognised as the same e-mail by the mail clients that look.
        email["Message-ID"] = f"<{message.key}@{self.message_id_domain}>"
        email.set_content(message.text)
        return email

    def send(self, message: OutgoingMessage) -> None:
        email = self.build(message)
        for attempt in (1, 2):
            fresh = self._connection is None
            try:
                if self._connection is None:
                    self._connection = self._connect()
                self._connection.send_message(email)
                return
            except DeliveryError:
                raise
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if fresh or attempt == 2:
                    raise DeliveryError(f"SMTP: {exc}") from exc
                # A kept connection the server closed while we were idle: one fresh try.
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                raise DeliveryError(f"SMTP: {exc}", permanent=_is_permanent(exc)) from exc

    def _drop(self) -> None:
        """Forget a connection in an unknown state without talking to the server again."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            _quietly_close(connection)


def _is_permanent(exc: Exception) -> bool:
    """A 5xx about the message or its recipient: the server will refuse it again."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _quietly_close(connection: smtplib.SMTP) -> None:
    try:
        connection.close()
    except OSError:
        pass
