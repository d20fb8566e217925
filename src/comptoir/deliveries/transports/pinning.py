"""An httpx transport that connects only to an address the guard vetted, within a deadline.

httpx resolves host names itself when it connects, which would let a second DNS answer
(DNS rebinding) lead somewhere the guard never saw. :class:`PinnedTransport` keeps the URL,
the ``Host`` header and TLS (SNI and certificate checks) on the host name, but its network
backend opens the TCP connection to the vetted addresses and to nothing else.

It also holds a whole-request deadline: every connect, read and write gets at most the time
left, so a partner that drips its answer one byte at a time cannot hold a worker longer than
the total timeout.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import httpcore
import httpx

from comptoir.deliveries.netguard import Target


@cache
def default_ssl_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.ends_at = time.monotonic() + seconds

    def timeout(self, requested: float | None, exc: type[Exception]) -> float:
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise exc("the total time allowed for the request has passed")
        return left if requested is None else min(requested, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit = self._deadline.timeout(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, limit), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections to ``target.addresses`` only, and only for ``target.host``."""

    def __init__(self, target: Target, deadline: _Deadline) -> None:
        self._target = target
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if host.strip("[]").lower() != self._target.host or port != self._target.port:
            raise httpcore.ConnectError("connection to a host that was not vetted")
        # Every address here was vetted; try them in the resolver's order (IPv6 then IPv4...).
        error: Exception = httpcore.ConnectError("no address to connect to")
        for address in self._target.addresses:
            limit = self._deadline.timeout(timeout, httpcore.ConnectTimeout)
            try:
                stream = self._inner.connect_tcp(
                    address, port, limit, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise error

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for deliveries")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _mapped_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


@contextmanager
def _mapped_errors() -> Iterator[None]:
    """httpcore's errors as httpx's errors of the same name, as httpx's own transport does."""
    try:
        yield
    except (
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.UnsupportedProtocol,
    ) as exc:
        mapped = getattr(httpx, type(exc).__name__, httpx.TransportError)
        raise mapped(str(exc)) from exc


class PinnedTransport(httpx.BaseTransport):
    """One pinned connection for one request: no pool shared between host names, no
    proxy from the environment, HTTP/1.1 only."""

    def __init__(
        self,
        target: Target,
        *,
        total_timeout: float,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or default_ssl_context(),
            max_connections=1,
            http1=True,
            http2=False,
            retries=0,
            network_backend=PinnedBackend(target, _Deadline(total_timeout)),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _mapped_errors():
            response = self._pool.handle_request(core_request)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
