"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium comes from the system (``apt-get install chromium``), never from ``playwright
install``. Without it the tests skip locally, and fail when ``CI=true``: CI must run them.
"""

import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
# check the database are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("COMPTOIR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        message = (
            f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's "
            "chromium package (sudo apt-get install chromium)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A French-speaking visitor on a laptop screen."""
    return {
        **browser_context_args,
        "locale": "fr-FR",
        "viewport": {"width": 1280, "height": 860},
    }


class _PartnerPage(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def partner_site(settings):
    """Start real local web sites for tiles to open: ``partner_site(title, heading, path)``
    serves a page with that title and heading and answers its URL at ``path``.

    They listen on 127.0.0.1, which tiles refuse outside the demo: allowed here, as in the demo.
    """
    settings.TILE_ALLOW_LOCAL_ADDRESSES = True
    servers = []

    def start(title: str, heading: str, path: str) -> str:
        body = f"<!doctype html><title>{title}</title><h1>{heading}</h1>".encode()
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), type("PartnerPage", (_PartnerPage,), {"body": body})
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{path}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# What Chromium writes to the console when the Content-Security-Policy blocks something.
CSP_VIOLATION = re.compile(r"Content Security Policy|Content-Security-Policy|Refused to", re.I)


@pytest.fixture(autouse=True)
def no_csp_violation(request):
    """Every browser test fails if a page of any tab reports a Content-Security-Policy
    violation (an inline script or style, an eval, a resource from elsewhere)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []

    def listen(message):
        if CSP_VIOLATION.search(message.text):
            violations.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    page.context.on("console", listen)
    yield violations
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def log_in(page, base_url: str, user, *, landing: str | None = None) -> None:
    """Log ``user`` in through the login form; with ``landing``, wait until that page shows."""
    page.goto(f"{base_url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    if landing is not None:
        expect(page).to_have_url(f"{base_url}{landing}")


def open_tile(page, installation_id: int):
    """Check that the app's tile opens in a new tab without an opener, click it, and return
    the new tab once loaded."""
    tile = page.locator(f"a.tile[href='/apps/{installation_id}/open']")
    expect(tile).to_have_attribute("target", "_blank")
    expect(tile).to_have_attribute("rel", "noopener noreferrer")
    with page.expect_popup() as popup_info:
        tile.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    return popup


@pytest.fixture
def screenshot(page):
    """Save a screenshot when COMPTOIR_SCREENSHOT_DIR is set (to look at a page by eye)."""
    directory = os.environ.get("COMPTOIR_SCREENSHOT_DIR")

    def take(name: str) -> None:
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take
