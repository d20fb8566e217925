"""Identity events in the firm's audit log, with the real client address: X-Forwarded-For
is believed only from a proxy listed in TRUSTED_PROXIES."""

import logging

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from comptoir.audit.models import AuditEvent
from comptoir.core.request_context import ip_from_request
from tests.factories import DEFAULT_PASSWORD, CompanyMembershipFactory, FirmMembershipFactory

pytestmark = pytest.mark.django_db


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "client"),
    [
        ([], "10.0.0.2", "198.51.100.1", "10.0.0.2"),  # no proxy trusted: the header is ignored
        (["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not from our proxy
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # forged left
        (["10.0.0.0/8", "127.0.0.1"], "127.0.0.1", "198.51.100.1, 10.1.1.1", "198.51.100.1"),
        (["10.0.0.0/8"], "10.0.0.2", "not-an-ip", "10.0.0.2"),
        (["10.0.0.0/8"], "10.0.0.2", "", "10.0.0.2"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_ip_honours_only_trusted_proxies(settings, proxies, remote, forwarded, client):
    settings.TRUSTED_PROXIES = proxies
    assert ip_from_request(_request(remote, forwarded)) == client


def test_login_and_logout_go_to_every_firm_of_the_user_with_the_forwarded_ip(
    settings, firm, other_firm
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    user = FirmMembershipFactory(firm=firm, role="admin").user
    CompanyMembershipFactory(company__firm=other_firm, user=user)
    client = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.44")
    client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    logins = AuditEvent.objects.filter(action="identity.login", actor=user)
    assert {e.firm for e in logins} == {firm, other_firm}
    assert {e.ip_address for e in logins} == {"198.51.100.44"}
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="identity.logout", actor=user).count() == 2


def test_events_without_a_firm_are_log_lines(caplog):
    with caplog.at_level(logging.INFO, logger="comptoir.identity"):
        Client().post(
            reverse("accounts:login"), {"username": "nobody@nowhere.test", "password": "x"}
        )
    assert not AuditEvent.objects.exists()
    line = next(r for r in caplog.records if r.name == "comptoir.identity")
    assert line.identity_action == "identity.login_failed"
    assert line.email == "nobody@nowhere.test" and "x" not in (line.getMessage().split())
