"""On a phone, a table wider than the screen scrolls inside its own box and keeps its first
column (what the row is about) in view while the other columns scroll under it."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import CompanyFactory, FirmFactory, FirmMembershipFactory

pytestmark = pytest.mark.browser

SCROLL_THE_TABLE = """() => {
    const wrap = document.querySelector('main .table-wrap');
    const first = wrap.querySelector('tbody tr td:first-child, tbody tr th:first-child');
    const second = first.nextElementSibling;
    const left = element => element.getBoundingClientRect().left;
    const before = {first: left(first), second: left(second)};
    wrap.scrollLeft = 120;
    const after = {first: left(first), second: left(second)};
    return {
        scrollable: wrap.scrollWidth > wrap.clientWidth,
        scrolled: wrap.scrollLeft,
        pageWidth: document.documentElement.scrollWidth,
        viewport: document.documentElement.clientWidth,
        firstMoved: after.first - before.first,
        secondMoved: after.second - before.second,
    };
}"""


def test_the_clients_list_keeps_its_company_column_in_view_on_a_phone(
    live_server, page, transactional_db
):
    firm = FirmFactory()
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    for i in range(3):
        CompanyFactory(firm=firm, name=f"Société Civile Immobilière des Grands Boulevards {i}")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, admin, landing="/cabinet/")
    page.goto(f"{live_server.url}/cabinet/clients/")

    state = page.evaluate(SCROLL_THE_TABLE)

    assert state["pageWidth"] <= state["viewport"]  # the page itself never scrolls sideways
    assert state["scrollable"] and state["scrolled"] > 0  # the table scrolls in its box
    assert state["secondMoved"] < -50  # the other columns went left
    assert abs(state["firstMoved"]) < 1  # the company's column stayed where it was
