"""Real local servers for delivery tests: SMTP (aiosmtpd), HTTP/HTTPS (http.server), SFTP
(asyncssh). Each listens on a free loopback port, records what it received and answers as the
test tells it. Reusable by the engine's tests and the demo sinks' tests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import ipaddress
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import asyncssh
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def free_port() -> int:
    """A port nobody listens on right now (aiosmtpd cannot bind port 0 itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- SMTP -------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class SmtpHandler:
    """Modes: ``accept``; ``rcpt_451``/``rcpt_550`` (answer RCPT TO); ``data_451``/
    ``data_550`` (answer the end of DATA)."""

    def __init__(self) -> None:
        self.mode = "accept"
        self.messages: list[ReceivedMail] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "rcpt_451":
            return "451 4.3.2 Mailbox busy, try later"
        if self.mode == "rcpt_550":
            return "550 5.1.1 No such collection address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "data_451":
            return "451 4.7.1 Greylisted, try again later"
        if self.mode == "data_550":
            return "550 5.7.1 Message refused by policy"
        self.messages.append(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 Queued"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = SmtpHandler()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller = Controller(self.handler, hostname=self.host, port=self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def reset(self) -> None:
        self.handler.mode = "accept"
        self.handler.messages.clear()

    @property
    def messages(self) -> list[ReceivedMail]:
        return self.handler.messages

    def connection_options(self) -> dict:
        return {
            "backend": "django.core.mail.backends.smtp.EmailBackend",
            "host": self.host,
            "port": self.port,
            "use_tls": False,
            "use_ssl": False,
            "username": "",
            "password": "",
        }


# --- HTTP / HTTPS -----------------------------------------------------------------------


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes = b'{"id": "rcv-1"}'
    delay: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HttpServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.record(
            ReceivedRequest(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
        )
        reply = self.server.next_reply()
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up (timeout tests)
            pass
        self.close_connection = True

    do_POST = do_GET = do_PUT = _answer

    def log_message(self, format, *args):
        pass


class HttpServer(ThreadingHTTPServer):
    """Records requests and counts accepted connections; answers the scripted replies in
    order, then ``default``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None):
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, 0), _Handler)
        self.host = host
        self.port = self.server_address[1]
        self.ssl_context = ssl_context
        self.requests: list[ReceivedRequest] = []
        self.connections = 0
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def get_request(self):
        sock, address = self.socket.accept()
        with self._lock:
            self.connections += 1
        if self.ssl_context is not None:
            sock.settimeout(5)
            sock = self.ssl_context.wrap_socket(sock, server_side=True)
        return sock, address

    def handle_error(self, request, client_address):  # TLS refusals in negative tests
        pass

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def next_reply(self) -> Reply:
        with self._lock:
            return self.replies.popleft() if self.replies else self.default

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.replies.clear()
            self.connections = 0
            self.default = Reply()

    def url(self, path: str = "/hooks/comptoir", host: str | None = None) -> str:
        scheme = "https" if self.ssl_context else "http"
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{scheme}://{name}:{self.port}{path}"

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@dataclass
class CertificateSet:
    """A throw-away CA and a server certificate for ``names``; ``client_context`` trusts the
    CA only."""

    ca_pem: bytes
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))


def make_certificates(directory: Path, names: list[str]) -> CertificateSet:
    now = dt.datetime.now(dt.UTC)

    def build(subject: str, issuer: x509.Name | None, issuer_key, public_key, ca: bool):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("Comptoir test CA", None, ca_key, ca_key.public_key(), ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(names[0], ca_cert.subject, ca_key, key.public_key(), ca=False)
    cert_file = directory / "server.pem"
    key_file = directory / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return CertificateSet(ca_cert.public_bytes(serialization.Encoding.PEM), cert_file, key_file)


# --- SFTP -------------------------------------------------------------------------------


class _SshServer(asyncssh.SSHServer):
    def __init__(self, owner: SftpServer) -> None:
        self._owner = owner

    def connection_made(self, conn) -> None:
        self._owner.connections += 1

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        self._owner.password_attempts += 1
        return (username, password) == (self._owner.username, self._owner.password)

    def public_key_auth_supported(self) -> bool:
        return self._owner.client_key is not None

    def validate_public_key(self, username: str, key) -> bool:
        expected = self._owner.client_key
        return (
            expected is not None
            and username == self._owner.username
            and (key.public_data == expected.public_data)
        )


class SftpServer:
    """An SFTP server (asyncssh) rooted in ``root``, in its own thread and event loop,
    accepting one user name and password."""

    def __init__(self, root: Path, username: str = "welyb", password: str = "s3cret-sftp"):
        self.root = root
        self.username = username
        self.password = password
        self.host = "127.0.0.1"
        self.port = 0
        self.connections = 0
        self.password_attempts = 0
        self.client_key = None  # set to a private key's public half to allow key logins
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._acceptor = None

    @property
    def public_host_key(self) -> str:
        return self.host_key.export_public_key().decode("ascii").strip()

    def start(self) -> SftpServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self._acceptor = future.result(10)
        self.port = self._acceptor.sockets[0].getsockname()[1]
        return self

    async def _listen(self):
        return await asyncssh.listen(
            self.host,
            0,
            server_host_keys=[self.host_key],
            server_factory=lambda: _SshServer(self),
            sftp_factory=functools.partial(asyncssh.SFTPServer, chroot=str(self.root)),
            allow_scp=False,
            config=[],
        )

    def stop(self) -> None:
        async def close():
            self._acceptor.close()
            await self._acceptor.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


# --- outbound network watch ---------------------------------------------------------------


def is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host == "localhost"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
