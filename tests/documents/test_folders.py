"""The folder keys, the fiscal-year calendar and the folder tree with its counts."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from comptoir.documents import folders, selectors, services
from tests.factories import CompanyFactory, uploaded_file

KEYS = ["achats", "ventes", "notes_de_frais", "administratif", "social", "banque", "a_classer"]


def test_folder_keys_are_stable():
    assert list(folders.FOLDER_KEYS) == KEYS
    assert folders.ACHATS == "achats" and folders.A_CLASSER == "a_classer"


def test_folder_labels_follow_the_language():
    with translation.override("fr"):
        assert [f.label for f in folders.FOLDERS] == [
            "Achats",
            "Ventes",
            "Notes de frais",
            "Administratif",
            "Social",
            "Banque",
            "À classer",
        ]
    with translation.override("en"):
        assert folders.folder_label("a_classer") == "To sort"
        assert folders.folder_choices()[0] == ("achats", "Purchases")


def test_calendar_year():
    year = folders.FiscalYear(start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert len(year.months) == 12
    assert year.months[0] == date(2026, 1, 1) and year.months[-1] == date(2026, 12, 1)
    assert year.previous() == folders.FiscalYear(start=date(2025, 1, 1), end=date(2025, 12, 31))
    with translation.override("en"):
        assert year.label == "Fiscal year 2026"
        assert folders.month_label(date(2026, 1, 1), year) == "01 - January 2026"
    with translation.override("fr"):
        assert folders.month_label(date(2026, 1, 1), year) == "01 - Janvier 2026"


def test_fiscal_year_across_two_calendar_years():
    year = folders.FiscalYear(start=date(2025, 7, 1), end=date(2026, 6, 30))
    assert [m.month for m in year.months] == [7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6]
    with translation.override("en"):
        assert year.label == "Fiscal year 2025-2026"
        assert folders.month_label(date(2026, 6, 1), year) == "12 - June 2026"
    assert year.contains_month(date(2025, 7, 1)) and not year.contains_month(date(2026, 7, 1))


def test_long_first_fiscal_year_and_month_ends():
    year = folders.FiscalYear(start=date(2025, 3, 15), end=date(2026, 12, 31))
    assert len(year.months) == 22
    assert year.contains_month(date(2025, 3, 1))
    assert folders.add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert year.previous().end == date(2025, 3, 14)


def _node(tree, key):
    return next(node for node in tree if node.key == key)


def test_tree_lists_every_folder_with_the_current_and_previous_fiscal_years(company, firm_admin):
    services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file()
    )
    services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file(), month="2026-03"
    )
    services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file(), month="2025-11"
    )
    services.document_upload(
        actor=firm_admin, company=company, folder="banque", file=uploaded_file(), month="2026-03"
    )
    tree = selectors.folder_tree(company=company)
    assert [node.key for node in tree] == KEYS

    achats = _node(tree, "achats")
    assert achats.count == 3
    current, previous = achats.fiscal_years
    assert (current.start, current.current) == (date(2026, 1, 1), True)
    assert (previous.start, previous.current) == (date(2025, 1, 1), False)
    assert (current.count, current.root_count) == (2, 1)
    assert [m.count for m in current.months if m.count] == [1]
    assert current.months[2].month == date(2026, 3, 1) and current.months[2].count == 1
    assert previous.count == 1 and previous.months[10].count == 1
    assert _node(tree, "banque").count == 1
    assert _node(tree, "ventes").count == 0
    assert len(_node(tree, "ventes").fiscal_years) == 2


def test_tree_keeps_fiscal_years_that_hold_documents(company, firm_admin):
    services.document_upload(
        actor=firm_admin,
        company=company,
        folder="social",
        file=uploaded_file(),
        fiscal_year="2025-01-01",
    )
    # The firm moves the company on by two fiscal years: 2025 still shows, with its document.
    company.fiscal_year_start, company.fiscal_year_end = date(2027, 1, 1), date(2027, 12, 31)
    company.save()
    tree = selectors.folder_tree(company=company)
    starts = [year.start.year for year in _node(tree, "social").fiscal_years]
    assert starts == [2027, 2026, 2025]
    assert _node(tree, "social").fiscal_years[2].count == 1


def test_tree_counts_only_this_company(company, firm_admin, firm):
    neighbour = CompanyFactory(firm=firm)
    services.document_upload(
        actor=firm_admin, company=neighbour, folder="achats", file=uploaded_file()
    )
    assert _node(selectors.folder_tree(company=company), "achats").count == 0


def _fill(company, actor, n):
    for i in range(n):
        services.document_upload(
            actor=actor,
            company=company,
            folder=KEYS[i % len(KEYS)],
            file=uploaded_file(f"f{i}.pdf"),
            month=f"2026-{i % 12 + 1:02d}" if i % 3 else None,
        )


@pytest.mark.parametrize("n", [1, 40])
def test_tree_is_one_query_however_many_documents(
    company, firm_admin, django_assert_num_queries, n
):
    _fill(company, firm_admin, n)
    with django_assert_num_queries(1):
        tree = selectors.folder_tree(company=company)
    assert sum(node.count for node in tree) == n


def test_folders_endpoint_query_count_does_not_grow(company, firm_admin, api_as):
    api = api_as(firm_admin)
    api.get(f"/companies/{company.pk}/folders")  # the token's first use is recorded once
    counts = []
    for n in (1, 30):
        _fill(company, firm_admin, n)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/companies/{company.pk}/folders")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
