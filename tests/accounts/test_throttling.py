"""Login throttling: the 11th wrong password in a minute from one address is refused with
HTTP 429 and a French message, while the right password from another address still works;
the API's bearer tokens are throttled the same way (429 in the API's error shape); the counts
live in the shared cache, so the limit holds across two web processes."""

import subprocess
import sys
import time

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from comptoir.audit.models import AuditEvent
from comptoir.tenancy.tokens import token_create
from tests.deliveries.servers import free_port
from tests.factories import DEFAULT_PASSWORD
from tests.subprocess_env import clean_env, run_comptoir

pytestmark = pytest.mark.django_db

LOGIN = "/connexion/"


def _login(client, email, password, ip):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_the_eleventh_wrong_password_is_refused_but_not_the_owner_elsewhere(firm_admin):
    attacker = Client()
    for _ in range(10):
        refused = _login(attacker, firm_admin.email, "pas-le-bon", "203.0.113.5")
        assert refused.status_code == 200  # the form again, with its error
    blocked = _login(attacker, firm_admin.email, "pas-le-bon", "203.0.113.5")
    assert blocked.status_code == 429
    html = blocked.content.decode()
    assert "Trop de tentatives de connexion" in html and '<html lang="fr">' in html
    # Even the right password from that address waits.
    assert _login(Client(), firm_admin.email, DEFAULT_PASSWORD, "203.0.113.5").status_code == 429

    owner = Client()
    response = _login(owner, firm_admin.email, DEFAULT_PASSWORD, "198.51.100.20")
    assert response.status_code == 302
    assert owner.get(reverse("portal:firm_home")).status_code == 200

    failures = AuditEvent.objects.filter(action="identity.login_failed")
    assert failures.count() == 10  # the blocked tries never reached the password check
    assert {e.details["email"] for e in failures} == {firm_admin.email}
    assert {e.ip_address for e in failures} == {"203.0.113.5"}
    assert "password" not in str(list(failures.values("details")))
    assert AuditEvent.objects.filter(action="identity.login", actor=firm_admin).exists()


def test_one_address_tried_from_many_places_is_paused_too(firm_admin):
    for n in range(20):
        _login(Client(), firm_admin.email, "pas-le-bon", f"203.0.113.{n + 1}")
    assert _login(Client(), firm_admin.email, "pas-le-bon", "198.51.100.1").status_code == 429


def test_wrong_bearer_tokens_get_429_in_the_error_shape(firm_admin, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 5
    _token, key = token_create(user=firm_admin, name="script")
    client = Client()
    for _ in range(5):
        wrong = client.get(
            "/api/v1/me", HTTP_AUTHORIZATION="Bearer cpt_wrong", REMOTE_ADDR="203.0.113.9"
        )
        assert wrong.status_code == 401
    blocked = client.get(
        "/api/v1/me", HTTP_AUTHORIZATION="Bearer cpt_guess", REMOTE_ADDR="203.0.113.9"
    )
    assert blocked.status_code == 429
    body = blocked.json()
    assert body["error"]["code"] == "too_many_requests"
    assert "Trop de jetons erronés" in body["error"]["message"]
    assert 1 <= int(blocked["Retry-After"]) <= 60
    for ip in ("198.51.100.3", "203.0.113.9"):  # a valid key works, even from there
        ok = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=ip)
        assert ok.status_code == 200 and ok.json()["email"] == firm_admin.email
    elsewhere = client.get(
        "/api/v1/me", HTTP_AUTHORIZATION="Bearer cpt_guess", REMOTE_ADDR="198.51.100.3"
    )
    assert elsewhere.status_code == 401  # another address has its own count


# --- two web processes, one database, one cache ---------------------------------------------


@pytest.fixture
def two_servers(tmp_path):
    """Two ``comptoir runserver`` processes on loopback over one SQLite file and its database
    cache; X-Forwarded-For from 127.0.0.1 is believed (TRUSTED_PROXIES) to play many clients."""
    var = tmp_path / "var"
    env = clean_env(
        var,
        COMPTOIR_MODE="demo",
        DEBUG="off",
        ALLOWED_HOSTS="127.0.0.1",
        TRUSTED_PROXIES="127.0.0.1",
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        TASKS_BACKEND="immediate",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    migrate = run_comptoir("migrate", "-v0", env=env)
    assert migrate.returncode == 0, migrate.stderr
    make_user = run_comptoir(
        "shell",
        "-c",
        "from comptoir.accounts.models import User; "
        f"User.objects.create_user('owner@example.test', {DEFAULT_PASSWORD!r})",
        env=env,
    )
    assert make_user.returncode == 0, make_user.stderr
    servers, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-m", "comptoir", "runserver", f"127.0.0.1:{port}"),
                        *("--noreload", "--nothreading"),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        for server, url in zip(servers, urls, strict=True):
            while True:
                try:
                    httpx.get(url + LOGIN, timeout=2)
                    break
                except httpx.TransportError:
                    assert server.poll() is None, server.communicate()
                    assert time.monotonic() < deadline, "the servers did not start in 30 s"
                    time.sleep(0.2)
        yield urls
    finally:
        for server in servers:
            server.terminate()
            server.communicate(timeout=20)


def _post_login(base, password, ip):
    with httpx.Client(base_url=base, timeout=10, headers={"X-Forwarded-For": ip}) as client:
        client.get(LOGIN)
        return client.post(
            LOGIN,
            data={
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
                "username": "owner@example.test",
                "password": password,
            },
        )


def test_the_limit_holds_across_two_web_processes(two_servers):
    first, second = two_servers
    for n in range(10):  # five wrong passwords on each process, from one address
        server = first if n % 2 else second
        assert _post_login(server, "pas-le-bon", "203.0.113.77").status_code == 200
    assert _post_login(first, "pas-le-bon", "203.0.113.77").status_code == 429
    assert _post_login(second, "pas-le-bon", "203.0.113.77").status_code == 429
    welcome = _post_login(second, DEFAULT_PASSWORD, "198.51.100.78")
    assert welcome.status_code == 302, welcome.text[:500]
