"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium comes from the system (``apt-get install chromium``), never from ``playwright
install``. Without it the tests skip locally, and fail when ``CI=true``: CI must run them.
"""

import os
from pathlib import Path

import pytest

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


@pytest.fixture
def screenshot(page):
    """Save a screenshot when COMPTOIR_SCREENSHOT_DIR is set (to look at a page by eye)."""
    directory = os.environ.get("COMPTOIR_SCREENSHOT_DIR")

    def take(name: str) -> None:
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take
