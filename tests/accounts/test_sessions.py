"""Sessions in “Mon compte”: listed with device, IP and last activity; one device or every
device logged out; idle and absolute lifetimes; what the activity tracking costs."""

import time

import pytest
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.accounts.middleware import SEEN_KEY, STARTED_KEY
from comptoir.accounts.selectors import device_name
from comptoir.audit.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def logged_in(user, *, agent=FIREFOX, ip="198.51.100.4"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_device_names():
    assert device_name(FIREFOX) == "Firefox sur Windows"
    assert device_name(IPHONE) == "Safari sur iPhone"
    assert device_name("") == "Appareil inconnu"


def test_my_account_lists_the_sessions_and_logs_one_device_out(firm_admin, other_firm):
    laptop = logged_in(firm_admin)
    phone = logged_in(firm_admin, agent=IPHONE, ip="203.0.113.50")
    html = laptop.get(reverse("accounts:settings")).content.decode()
    assert "Sessions actives" in html
    assert "Firefox sur Windows" in html and "Safari sur iPhone" in html
    assert "203.0.113.50" in html and "Cet appareil" in html
    assert "Se déconnecter de cet appareil" in html and "Se déconnecter partout" in html

    phone_session = UserSession.objects.get(user=firm_admin, ip="203.0.113.50")
    ended = laptop.post(reverse("accounts:session_end", args=[phone_session.pk]))
    assert ended.status_code == 302
    assert phone.get(reverse("portal:firm_home")).status_code == 302  # the phone is out
    assert laptop.get(reverse("portal:firm_home")).status_code == 200  # the laptop stays
    assert AuditEvent.objects.filter(action="identity.session_end", actor=firm_admin).exists()

    # Someone else's session: 404, and it goes on.
    from tests.factories import FirmMembershipFactory

    stranger = FirmMembershipFactory(firm=other_firm).user
    theirs = logged_in(stranger)
    their_session = UserSession.objects.get(user=stranger)
    assert laptop.post(reverse("accounts:session_end", args=[their_session.pk])).status_code == 404
    assert theirs.get(reverse("portal:firm_home")).status_code == 200


def test_log_out_everywhere(firm_admin):
    laptop, phone = logged_in(firm_admin), logged_in(firm_admin, agent=IPHONE)
    response = laptop.post(reverse("accounts:sessions_end_all"))
    assert response["Location"] == reverse("accounts:login")
    for client in (laptop, phone):
        assert client.get(reverse("portal:firm_home")).status_code == 302
    assert not UserSession.objects.filter(user=firm_admin).exists()


def _age(client, **keys):
    session = client.session
    for key, seconds in keys.items():
        session[key] = time.time() - seconds
    session.save()


def test_an_idle_session_ends(firm_admin, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    client = logged_in(firm_admin)
    client.get(reverse("portal:firm_home"))
    _age(client, **{SEEN_KEY: 3000})
    assert client.get(reverse("portal:firm_home")).status_code == 200  # 50 min: still in
    _age(client, **{SEEN_KEY: 3700})
    response = client.get(reverse("portal:firm_home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "longue inactivité" in response.content.decode()
    assert AuditEvent.objects.filter(action="identity.session_expired").exists()


def test_a_session_ends_at_its_maximum_age_even_when_busy(firm_admin, settings):
    settings.SESSION_MAX_AGE = 8 * 3600
    client = logged_in(firm_admin)
    client.get(reverse("portal:firm_home"))
    _age(client, **{STARTED_KEY: 8 * 3600 + 1, SEEN_KEY: 30})
    response = client.get(reverse("portal:firm_home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "durée maximale" in response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_activity_tracking_costs_no_query_on_most_pages(firm_admin, settings):
    """The measure behind USERSESSIONS_TRACK_ACTIVITY = False: allauth's tracking writes the
    session row on every request; ours at most once a minute."""
    client = logged_in(firm_admin)
    url = reverse("portal:firm_home")
    client.get(url)
    ours = _queries(client, url)
    settings.USERSESSIONS_TRACK_ACTIVITY = True
    theirs = _queries(client, url)
    print(f"firm home: {ours} queries with ours, {theirs} with allauth's per-request tracking")
    assert theirs - ours >= 2
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    _age(client, **{SEEN_KEY: 61})
    refresh = _queries(client, url)  # once a minute: the session and its row are written
    assert refresh > ours
    assert UserSession.objects.get(user=firm_admin).last_seen_at is not None
