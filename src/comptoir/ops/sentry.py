"""Error reporting to Sentry (or a Sentry-compatible server: GlitchTip, Bugsink...).

Turned on by ``SENTRY_DSN``. Personal data stays home: ``send_default_pii=False`` (no user
e-mail, no IP address, no cookies, no request body), and the request id rides along as a tag
so that an event leads to its log lines.
"""

from __future__ import annotations

from typing import Any


def _tag_request_id(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    from comptoir.core.request_context import delivery_id, request_id

    tags = event.setdefault("tags", {})
    if request_id.get():
        tags["request_id"] = request_id.get()
    if delivery_id.get():
        tags["delivery_id"] = str(delivery_id.get())
    return event


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float, with_rq: bool) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    integrations: list[Any] = [DjangoIntegration(), LoggingIntegration()]
    if with_rq:
        from sentry_sdk.integrations.rq import RqIntegration

        integrations.append(RqIntegration())
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=integrations,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_request_id,
    )
