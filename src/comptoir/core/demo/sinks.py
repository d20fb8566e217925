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

Notify = Callable[[str], None]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on ``host`` (servers that cannot bind port 0 need one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
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


DEMO_SINKS: list[type[Sink]] = [SmtpSink]
