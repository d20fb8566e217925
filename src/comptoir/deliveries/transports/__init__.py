"""Delivery transports: one small class per way of sending, behind the contract of ``base``.

Each transport's destination (what it needs, how a connection's settings describe it, its
label and its configuration check) is in ``destinations``. ``get_transport("email")`` gives
a ready transport; ``TRANSPORTS`` maps each supported kind to
its class (imported on first use, so that the SFTP library loads only when needed).
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

from comptoir.deliveries.transports.base import (
    FAILED,
    RETRY,
    SENT,
    Destination,
    OutgoingDocument,
    PlannedDestination,
    Transport,
    TransportResult,
)
from comptoir.deliveries.transports.destinations import (
    EmailDestination,
    HttpsDestination,
    SftpDestination,
    destination_class,
    destination_from_snapshot,
)

TRANSPORTS: dict[str, str] = {
    "email": "comptoir.deliveries.transports.email.EmailTransport",
    "https": "comptoir.deliveries.transports.https.HttpsTransport",
    "sftp": "comptoir.deliveries.transports.sftp.SftpTransport",
}


class UnknownTransport(LookupError):
    """No transport for this kind: the engine marks such a delivery failed."""


def get_transport_class(kind: str) -> type[Transport[Any]]:
    try:
        path = TRANSPORTS[kind]
    except KeyError:
        raise UnknownTransport(kind) from None
    return import_string(path)


def get_transport(kind: str, **options: Any) -> Transport[Any]:
    """A transport for ``kind``; ``options`` go to its constructor (timeouts, test hooks)."""
    return get_transport_class(kind)(**options)


__all__ = [
    "FAILED",
    "RETRY",
    "SENT",
    "TRANSPORTS",
    "Destination",
    "EmailDestination",
    "HttpsDestination",
    "OutgoingDocument",
    "PlannedDestination",
    "SftpDestination",
    "Transport",
    "TransportResult",
    "UnknownTransport",
    "destination_class",
    "destination_from_snapshot",
    "get_transport",
    "get_transport_class",
]
