"""Every page of the product, as each role, in a real browser (the demo's data):

- no critical and no serious accessibility violation (axe-core's rules);
- at 390 x 844 (a phone), no page scrolls sideways;
- screenshots of the main pages at 1366 and 390 px in test-results/screenshots/, and each
  role's axe findings (every impact) in test-results/accessibility/, for a reviewer.

Which pages: tests/browser/site.py finds them from the URL resolver, so a new page is checked
from the day it exists.
"""

import json
import re
from pathlib import Path

import pytest

from tests.browser.axe import BLOCKING, axe_violations, node_count
from tests.browser.site import (
    EXTRA_PAGES,
    MAIN_PAGES,
    NOT_A_PAGE,
    ROLES,
    logged_in,
    pages_of,
    role_pages,
    seed_site,
    session_cookie,
    url_names,
    url_of,
)

pytestmark = pytest.mark.browser

RESULTS = Path(__file__).resolve().parents[2] / "test-results"
VISITORS = ["anonymous", *ROLES]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(transactional_db, settings, tmp_path, monkeypatch):
    return seed_site(settings, tmp_path, monkeypatch)


def test_every_url_is_a_page_or_has_a_reason(site):
    """A named URL is a page some role opens, an action (GET: 405), a file, or in
    NOT_A_PAGE with the reason it is none: no page escapes the checks below."""
    from django.test import Client

    seen = set().union(*(set(pages) for pages in role_pages(site).values()))
    clients = {"anonymous": Client()} | {r: logged_in(u) for r, u in site.users.items()}
    unexplained = {}
    for name in set(url_names()) - seen - set(NOT_A_PAGE):
        statuses = {}
        for role, client in clients.items():
            url = url_of(name, site.cases.get(role, {}))
            if url is None:
                continue
            response = client.get(url)
            if response.status_code == 200:  # 200 and not a page: a file
                statuses = {}
                break
            statuses[role] = response.status_code
        if statuses and 405 not in statuses.values():  # 405: an action (404 for the others)
            unexplained[name] = statuses
    assert not unexplained, (
        f"neither a page of any role nor an action nor a file: {unexplained}; "
        "give these URLs the objects they need in tests/browser/site.py, or their reason "
        "in NOT_A_PAGE"
    )


def _visit_as(role, site, page, live_server) -> dict[str, str]:
    """{label: path} of the pages ``role`` opens; the browser carries their session."""
    if role == "anonymous":
        from django.test import Client

        pages = pages_of(Client(), {})
    else:
        client = logged_in(site.users[role])
        pages = pages_of(client, site.cases[role])
        page.context.add_cookies([{**session_cookie(client), "url": live_server.url}])
    return pages | EXTRA_PAGES.get(role, {})


def _open(page, live_server, path):
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("load")


def _shoot(page, role, name, width):
    directory = RESULTS / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{role}-{name}".lower()).strip("-")
    page.screenshot(path=str(directory / f"{slug}-{width}.png"), full_page=True)


@pytest.mark.parametrize("role", VISITORS)
def test_no_serious_accessibility_violation(role, site, page, live_server):
    page.set_viewport_size(DESKTOP)
    pages = _visit_as(role, site, page, live_server)
    assert len(pages) >= 3, pages
    found = {}
    for name, path in pages.items():
        _open(page, live_server, path)
        found[name] = axe_violations(page, f"{name} {path}")
        if name in MAIN_PAGES.get(role, ()):
            _shoot(page, role, name, DESKTOP["width"])
    (RESULTS / "accessibility").mkdir(parents=True, exist_ok=True)
    report = {
        name: [{**v.__dict__, "targets": list(v.targets)} for v in violations]
        for name, violations in found.items()
    }
    (RESULTS / "accessibility" / f"{role}.json").write_text(json.dumps(report, indent=1))
    blocking = [v for violations in found.values() for v in violations if v.impact in BLOCKING]
    counts = {
        impact: node_count([v for v in blocking if v.impact == impact]) for impact in BLOCKING
    }
    failing = sorted({v.page for v in blocking})
    print(f"\naxe as {role}: {counts} elements over {len(failing)} of {len(pages)} pages")
    assert not blocking, (
        f"{counts} elements break axe's critical/serious rules on {len(failing)} of "
        f"{len(pages)} pages as {role}:\n" + "\n".join(str(v) for v in blocking)
    )


# The page is wider than the window, and what sticks out: the outermost elements past its
# right edge that no scrolling box of their own holds.
OVERFLOW = """() => {
    const root = document.documentElement, width = root.clientWidth;
    const wide = Math.max(root.scrollWidth, document.body.scrollWidth);
    if (wide <= width) return null;
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + [...e.classList].map(c => '.' + c).join('');
    const past = e => e.getBoundingClientRect().right > width + 1;
    const held = e => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return true;
        }
        return false;
    };
    const out = [...document.body.querySelectorAll('*')].filter(
        e => past(e) && !held(e) && !(e.parentElement !== document.body && past(e.parentElement)));
    return {width: wide, culprits: out.slice(0, 5).map(e =>
        name(e.parentElement) + ' > ' + name(e) + ' "' + e.textContent.trim().slice(0, 30)
        + '" (' + Math.round(e.getBoundingClientRect().right) + ' px)')};
}"""


@pytest.mark.parametrize("role", VISITORS)
def test_no_page_scrolls_sideways_on_a_phone(role, site, page, live_server):
    page.set_viewport_size(PHONE)
    pages = _visit_as(role, site, page, live_server)
    assert len(pages) >= 3, pages
    overflowing = {}
    for name, path in pages.items():
        _open(page, live_server, path)
        if (found := page.evaluate(OVERFLOW)) is not None:
            overflowing[f"{name} {path}"] = found
        if name in MAIN_PAGES.get(role, ()):
            _shoot(page, role, name, PHONE["width"])
    print(f"\n390 px as {role}: {len(overflowing)} of {len(pages)} pages scroll sideways")
    assert not overflowing, (
        f"{len(overflowing)} of {len(pages)} pages are wider than a 390 px phone as {role}:\n"
        + "\n".join(
            f"{page_}: {o['width']} px; {', '.join(o['culprits'])}"
            for page_, o in overflowing.items()
        )
    )
