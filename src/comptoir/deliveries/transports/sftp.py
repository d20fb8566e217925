"""SFTP transport (ACD iSuite-like connectors: upload into the partner's folder + dossier code).

The file is written as ``<remote_dir>/<dossier code>_<token>_<file name>`` where ``token``
comes from the idempotency key: a retry of one delivery overwrites its own file instead of
adding a copy, and two versions of a document never collide. It is first written under a
hidden ``.part`` name and then renamed, so a partner that polls the folder never picks up a
half-written file.

The server's host key must be configured (``SftpDestination.host_key``: the public key line as
in ``known_hosts`` or ``~/.ssh/*.pub``, or its ``SHA256:`` fingerprint as ``ssh-keygen -l``
prints it): credentials are never sent to a server we cannot recognise. The host goes
through the outbound-address guard (ports 22 and 1024 to 65535) and the connection is made to
the vetted address. No local SSH configuration, agent or key file is read.

Outcomes: connection refused, timeout, dropped connection, full disk → retry; host key
mismatch, authentication refused, missing folder, permission denied → failed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, TypeVar

import asyncssh
from django.utils.translation import gettext as _

from comptoir.deliveries import netguard
from comptoir.deliveries.transports.base import (
    Destination,
    OutgoingDocument,
    Transport,
    TransportResult,
    clean_text,
    failed,
    guard_refusal,
    retry,
    safe_file_name,
    sent,
)
from comptoir.deliveries.transports.destinations import SftpDestination
from comptoir.deliveries.transports.ssh_keys import parse_host_key

T = TypeVar("T")
_RETRYABLE_SFTP_ERRORS = (
    asyncssh.SFTPNoSpaceOnFilesystem,
    asyncssh.SFTPQuotaExceeded,
    asyncssh.SFTPFailure,
    asyncssh.SFTPConnectionLost,
    asyncssh.SFTPNoConnection,
)


def _run(coroutine: Any) -> Any:
    """Run a coroutine from synchronous code, even when an event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _fingerprint(key: asyncssh.SSHKey) -> str:
    digest = hashlib.sha256(key.public_data).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def remote_path(document: OutgoingDocument, destination: SftpDestination, key: str) -> str:
    token = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    dossier = re.sub(r"[^A-Za-z0-9_-]", "", destination.dossier_code)[:40]
    name = "_".join(part for part in (dossier, token, safe_file_name(document.file_name)) if part)
    folder = clean_text(destination.remote_dir, 200).rstrip("/")
    return f"{folder}/{name}" if folder else name


class _FingerprintClient(asyncssh.SSHClient):
    def __init__(self, fingerprint: str) -> None:
        self._fingerprint = fingerprint

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        return _fingerprint(key) == self._fingerprint


class SftpTransport(Transport[SftpDestination]):
    kind: ClassVar[str] = "sftp"
    destination_class: ClassVar[type[Destination]] = SftpDestination

    def __init__(
        self,
        *,
        connect_timeout: float = 10.0,
        total_timeout: float = 120.0,
        resolver: netguard.Resolver | None = None,
        allow_loopback: bool | None = None,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.resolver = resolver
        self.allow_loopback = allow_loopback

    def deliver(
        self,
        document: OutgoingDocument,
        content: bytes,
        destination: SftpDestination,
        idempotency_key: str,
    ) -> TransportResult:
        port = destination.port or 22
        try:
            if port != 22:
                netguard.check_port(port)
            addresses = netguard.vet_host(
                destination.host,
                port,
                resolver=self.resolver,
                allow_loopback=self.allow_loopback,
            )
        except (netguard.Refused, netguard.LookupFailed) as exc:
            return guard_refusal(exc)
        path = remote_path(document, destination, idempotency_key)
        host = clean_text(destination.host, 100)
        try:
            _run(
                asyncio.wait_for(
                    self._upload(addresses[0], port, destination, path, content),
                    self.total_timeout,
                )
            )
        except OSError:  # refused, unreachable, timed out (TimeoutError is an OSError)
            return retry(
                _("The SFTP server %(host)s could not be reached or did not answer in time.")
                % {"host": host},
                error_code="connection_error",
                error_params={"host": host, "variant": "sftp_unreachable"},
            )
        except asyncssh.HostKeyNotVerifiable:
            return failed(
                _(
                    "The SFTP server %(host)s did not present the expected host key. Check the "
                    "key in the app's settings with the partner."
                )
                % {"host": host},
                error_code="host_key_mismatch",
                error_params={"host": host},
            )
        except asyncssh.PermissionDenied:
            return failed(
                _("The SFTP server %(host)s refused the user name, password or key.")
                % {"host": host},
                error_code="auth_failed",
                error_params={"host": host},
            )
        except asyncssh.SFTPError as exc:
            return self._sftp_failure(exc)
        except asyncssh.DisconnectError:
            return retry(
                _("The SFTP server %(host)s closed the connection.") % {"host": host},
                error_code="connection_error",
                error_params={"host": host, "variant": "sftp_closed"},
            )
        return sent(remote_id=path)

    def _sftp_failure(self, exc: asyncssh.SFTPError) -> TransportResult:
        reason = clean_text(exc.reason, 150)
        message = _("The SFTP server refused the upload: %(reason)s") % {"reason": reason}
        params = {"reason": reason}
        if isinstance(exc, _RETRYABLE_SFTP_ERRORS):
            return retry(message, error_code="sftp_error", error_params=params)
        return failed(message, error_code="sftp_error", error_params=params)

    async def _upload(
        self, ip: str, port: int, destination: SftpDestination, path: str, content: bytes
    ) -> None:
        host_key = parse_host_key(destination.host_key)
        options: dict[str, Any] = {
            "username": destination.username,
            "password": destination.password or None,
            "client_keys": (
                [asyncssh.import_private_key(destination.private_key)]
                if destination.private_key
                else None
            ),
            "agent_path": None,
            "config": [],
            "connect_timeout": self.connect_timeout,
            "login_timeout": self.connect_timeout,
        }
        if isinstance(host_key, str):
            fingerprint = host_key
            options["known_hosts"] = ([], [], [])
            options["server_host_key_algs"] = "default"
            options["client_factory"] = lambda: _FingerprintClient(fingerprint)
        else:
            options["known_hosts"] = ([host_key], [], [])
        async with (
            asyncssh.connect(ip, port, **options) as connection,
            connection.start_sftp_client() as sftp,
        ):
            folder, _sep, name = path.rpartition("/")
            partial = f"{folder}/.{name}.part" if folder else f".{name}.part"
            async with sftp.open(partial, "wb") as remote:
                await remote.write(content)
            try:
                await sftp.posix_rename(partial, path)
            except asyncssh.SFTPOpUnsupported:
                if await sftp.exists(path):
                    await sftp.remove(path)
                await sftp.rename(partial, path)
