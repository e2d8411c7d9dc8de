"""Real peers for the notification channels, on loopback, and helpers around the outbox.

Registered as a plugin by ``tests/conftest.py``. ``sms_gateway``: an HTTP server standing for an
SMS gateway (it records what it is sent, and answers as a test scripts it); ``smtp_server``: a
real SMTP server (aiosmtpd) in the test process, with STARTTLS, SMTPS and AUTH when asked;
``tls_certificate``: a self-signed certificate for 127.0.0.1, trusted by the test's TLS clients.
``notify_to(gateway=…, smtp=…)`` points the app's channels at them for one test.
"""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from marketplace.extensions import db
from marketplace.models import Notification, NotificationDelivery
from marketplace.services.notifications import messages
from marketplace.services.notifications.delivery import Report, Worker

GATEWAY_TOKEN = "gateway-test-token"
SMTP_USER, SMTP_PASSWORD = "mailer", "mail-secret"
# How long a peer waits for the test to release a held request before answering anyway.
HOLD_LIMIT_SECONDS = 60


# --- the SMS gateway -----------------------------------------------------------------------------


@dataclass
class GatewayRequest:
    to: str
    text: str
    headers: dict[str, str]


@dataclass
class SmsGateway:
    """What it received (``requests``, including those it answered with an error) and what it
    took (``messages``: answered 2xx). ``answers`` are the statuses of the next requests
    (200 once they run out); ``hold()`` makes the next request wait, once received, until
    ``release()``."""

    url: str = ""
    requests: list[GatewayRequest] = field(default_factory=list)
    messages: list[GatewayRequest] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    _held: threading.Event | None = None
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hold(self) -> None:
        self._held = threading.Event()
        self._release.clear()

    def wait_until_held(self, timeout: float = HOLD_LIMIT_SECONDS) -> bool:
        return self._held is not None and self._held.wait(timeout)

    def release(self) -> None:
        self._release.set()

    def texts_to(self, phone: str) -> list[str]:
        return [message.text for message in self.messages if message.to == phone]

    def _answer(self, request: GatewayRequest) -> int:
        with self._lock:
            self.requests.append(request)
            held, self._held = self._held, None
            status = self.answers.pop(0) if self.answers else 200
        if held is not None:
            held.set()
            self._release.wait(HOLD_LIMIT_SECONDS)
        if 200 <= status < 300:
            with self._lock:
                self.messages.append(request)
        self.received.set()
        return status


def _gateway_handler(gateway: SmsGateway):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: without this, Nagle's algorithm holds the
        # body until the client's delayed ACK (40 ms a message).
        disable_nagle_algorithm = True

        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.headers.get("Authorization") != f"Bearer {GATEWAY_TOKEN}":
                return self._reply(401, {"error": "unauthorized"})
            try:
                body = json.loads(raw)
                request = GatewayRequest(body["to"], body["text"], dict(self.headers.items()))
            except (ValueError, KeyError, TypeError):
                return self._reply(400, {"error": "bad request"})
            status = gateway._answer(request)
            self._reply(status, {"id": len(gateway.requests)})

        def _reply(self, status: int, body: dict) -> None:
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client went away (a worker killed mid-request)

        def log_message(self, format, *args):
            pass

    return Handler


@pytest.fixture
def sms_gateway() -> Iterator[SmsGateway]:
    gateway = SmsGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _gateway_handler(gateway))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_port}/messages"
    try:
        yield gateway
    finally:
        gateway.release()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the SMTP server -----------------------------------------------------------------------------


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    tls: bool
    authenticated: bool

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_content()


class _Recorder:
    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.refused: set[str] = set()
        # Each client connection's address and port (a connection upgraded to TLS counts once).
        self.peers: set[tuple] = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.peers.add(tuple(session.peer))
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        self.mails.append(
            Mail(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=email.policy.default),
                # STARTTLS sets session.ssl; over SMTPS the transport itself is TLS.
                tls=session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
                authenticated=bool(session.authenticated),
            )
        )
        return "250 Message accepted for delivery"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok)


class _LoopbackController(Controller):
    """aiosmtpd's Controller on a port chosen by the system (its own start-up check needs to
    know the port: it is read from the listening socket)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SmtpServer:
    controller: _LoopbackController
    recorder: _Recorder

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def mails(self) -> list[Mail]:
        return self.recorder.mails

    @property
    def connections(self) -> int:
        return len(self.recorder.peers)

    def refuse(self, address: str) -> None:
        self.recorder.refused.add(address)

    def url(self, scheme: str = "smtp", *, credentials: bool = False) -> str:
        userinfo = f"{SMTP_USER}:{SMTP_PASSWORD}@" if credentials else ""
        return f"{scheme}://{userinfo}127.0.0.1:{self.port}"


@dataclass(frozen=True)
class TlsCertificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory) -> TlsCertificate:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return TlsCertificate(cert, key)


@pytest.fixture
def trust_test_certificate(tls_certificate, monkeypatch) -> TlsCertificate:
    """The test's TLS clients (ssl.create_default_context) trust the test certificate."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_certificate.cert))
    return tls_certificate


@pytest.fixture
def smtp_server_factory(tls_certificate):
    """``start(starttls=…, implicit_tls=…, auth=…)`` → a running SmtpServer, stopped after."""
    started: list[Controller] = []

    def start(*, starttls: bool = False, implicit_tls: bool = False, auth: bool = False):
        recorder = _Recorder()
        options: dict = {"hostname": "127.0.0.1", "port": 0, "ready_timeout": 30}
        if starttls:
            options["tls_context"] = tls_certificate.server_context()
        if implicit_tls:
            options["ssl_context"] = tls_certificate.server_context()
        if auth:
            # aiosmtpd only knows of TLS it started itself (STARTTLS): over SMTPS the whole
            # connection is TLS already.
            options.update(authenticator=_authenticator, auth_require_tls=not implicit_tls)
        controller = _LoopbackController(recorder, **options)
        controller.start()
        started.append(controller)
        return SmtpServer(controller, recorder)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def smtp_server(smtp_server_factory) -> SmtpServer:
    """A plain SMTP server (no TLS, no AUTH)."""
    return smtp_server_factory()


# --- the app's side ------------------------------------------------------------------------------


@pytest.fixture
def notify_to(app_config):
    """``notify_to(gateway=…, smtp=…)``: the app's channels point at these peers for one test;
    links go to https://cho.example.vn."""

    def point(*, gateway: SmsGateway | None = None, smtp: SmtpServer | None = None, **config):
        settings = {"PUBLIC_BASE_URL": "https://cho.example.vn", **config}
        if gateway is not None:
            settings.update(SMS_WEBHOOK_URL=gateway.url, SMS_WEBHOOK_TOKEN=GATEWAY_TOKEN)
        if smtp is not None:
            settings.update(SMTP_URL=smtp.url(), MAIL_FROM="Chợ Phiên <no-reply@cho.example.vn>")
        app_config(**settings)

    return point


def run_worker(app, **kwargs) -> Report:
    """One pass of the worker in this process, as ``flask worker --once`` makes."""
    db.session.commit()
    worker = Worker.from_config(app.config, **kwargs)
    try:
        return worker.run_once()
    finally:
        worker.close()


def text_of(notification: Notification, locale: str = "vi"):
    """The title and body a user reading in ``locale`` sees."""
    return messages.render(notification.kind, notification.params, locale)


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    db.session.expire_all()
    stmt = db.select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.created_at, Notification.id)))


def deliveries_of(notification: Notification) -> dict[str, NotificationDelivery]:
    db.session.expire_all()
    return {
        delivery.channel: delivery
        for delivery in db.session.scalars(
            db.select(NotificationDelivery).where(
                NotificationDelivery.notification_id == notification.id
            )
        )
    }


def all_deliveries() -> list[NotificationDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(NotificationDelivery)))
