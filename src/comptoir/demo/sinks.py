"""Local stand-ins for the outside world while the demo runs.

A sink is a small server started by ``comptoir rundemo`` before the web server and the
worker. It keeps what it receives under ``var/`` and prints one line per arrival; it tells
the web server and the worker where it listens through environment variables.

To add one (an HTTP receiver for deliveries, say): subclass :class:`Sink`, start your
server on ``free_port()`` in ``start()`` (a thread is fine), return the environment
variables that point Comptoir at it, stop it in ``stop()``, and append the class to
``DEMO_SINKS``. ``rundemo`` does the rest (banner line, clean stop on Ctrl-C).
"""

import email
import itertools
import logging
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

from comptoir.demo import deliveries as demo

Notify = Callable[[str], None]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on ``host`` (servers that cannot bind port 0 need one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``port`` now. Binds with ``SO_REUSEADDR``, as every
    server we start does (runserver, the sinks): the connections of a demo stopped a moment
    ago wait in TIME-WAIT for a minute, which does not stop a new server from listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class Sink:
    """One local server. ``start`` returns the environment for the web server and worker."""

    name = "sink"

    def start(self, *, var_dir: Path, notify: Notify) -> dict[str, str]:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        """One line for the banner: what it is, where it listens, where it keeps things."""
        raise NotImplementedError


class _SaveEveryMessage:
    """aiosmtpd handler: write each message to ``<folder>/<time>-<n>.eml``."""

    def __init__(self, folder: Path, notify: Notify) -> None:
        self.folder = folder
        self.notify = notify
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            number = next(self._numbers)
        path = self.folder / f"{datetime.now():%Y%m%d-%H%M%S}-{number:04d}.eml"
        content = envelope.original_content or envelope.content
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        subject = " ".join(str(message["subject"] or "").split())
        self.notify(f"e-mail to {', '.join(envelope.rcpt_tos)}: “{subject}” → {path}")
        return "250 Message accepted for delivery"


class SmtpSink(Sink):
    """An SMTP server on 127.0.0.1 that keeps every message in ``var/mail/*.eml``."""

    name = "mail"

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.folder: Path | None = None
        self._controller: Controller | None = None

    def start(self, *, var_dir: Path, notify: Notify) -> dict[str, str]:
        self.folder = var_dir / "mail"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port(self.host)  # aiosmtpd cannot be asked for port 0
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: one line per peer
        self._controller = Controller(
            _SaveEveryMessage(self.folder, notify), hostname=self.host, port=self.port
        )
        self._controller.start()
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": str(self.port),
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": "false",
            "EMAIL_USE_SSL": "false",
        }

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def describe(self) -> str:
        return f"SMTP {self.host}:{self.port}, every e-mail saved to {self.folder}/*.eml"


# --- SFTP ----------------------------------------------------------------------------------------


class SftpSink(Sink):
    """An SFTP server (asyncssh) on 127.0.0.1 that keeps every uploaded file in ``var/sftp/``,
    for the demo's SFTP app (Iscribe Achats of Fiducia Conseil), which it points at itself."""

    name = "sftp"

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.folder: Path | None = None
        self.fingerprint = ""
        self._loop = None
        self._thread: threading.Thread | None = None
        self._acceptor = None

    def start(self, *, var_dir: Path, notify: Notify) -> dict[str, str]:
        import asyncio

        from django.db import close_old_connections, connections

        self.folder = Path(var_dir) / "sftp"
        self.folder.mkdir(parents=True, exist_ok=True)
        key = demo.sftp_host_key(var_dir)
        self.fingerprint = key.get_fingerprint("sha256")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        try:  # 8022 when free, else any port (another demo may run on this machine)
            self._acceptor = self._run(self._listen(key, notify, demo.SFTP_PORT))
        except OSError:
            self._acceptor = self._run(self._listen(key, notify, 0))
        self.port = self._acceptor.sockets[0].getsockname()[1]
        # rundemo's own process: leave no database connection behind for its children.
        close_old_connections()
        try:
            moved = demo.point_demo_sftp_at(self.host, self.port, self.fingerprint)
        finally:
            connections.close_all()
        if moved:
            notify(f"{moved} demo application(s) now upload to sftp://{self.host}:{self.port}")
        return {"DELIVERY_ALLOW_LOOPBACK": "true"}

    def _run(self, coroutine):
        import asyncio

        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(15)

    async def _listen(self, key, notify: Notify, port: int):
        import asyncssh

        folder = self.folder
        assert folder is not None

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                return (username, password) == (demo.SFTP_LOGIN, demo.SFTP_PASSWORD)

        class Files(asyncssh.SFTPServer):
            """Rooted in var/sftp/; one line per file once it has its final name."""

            def __init__(self, chan) -> None:
                super().__init__(chan, chroot=str(folder))

            def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
                super().posix_rename(oldpath, newpath)
                self._arrived(newpath)

            def rename(self, oldpath: bytes, newpath: bytes) -> None:
                super().rename(oldpath, newpath)
                self._arrived(newpath)

            def _arrived(self, path: bytes) -> None:
                local = Path(self.map_path(path).decode("utf-8", "replace"))
                if not local.name.startswith("."):
                    notify(f"{local.name} ({local.stat().st_size} bytes) → {local}")

        return await asyncssh.listen(
            self.host,
            port,
            server_host_keys=[key],
            server_factory=Server,
            sftp_factory=Files,
            allow_scp=False,
            config=[],
            reuse_address=True,
        )

    def stop(self) -> None:
        import asyncio

        if self._loop is None:
            return
        acceptor = self._acceptor

        async def close() -> None:
            if acceptor is not None:
                acceptor.close()
                await acceptor.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop.close()
        self._loop = self._thread = self._acceptor = None

    def describe(self) -> str:
        return (
            f"SFTP {self.host}:{self.port} (host key {self.fingerprint}), "
            f"uploads saved to {self.folder}/"
        )


DEMO_SINKS: list[type[Sink]] = [SmtpSink, SftpSink]
