"""The audit log reads as a journal: every action code has words, details are lines."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from comptoir.audit import journal

SRC = Path(__file__).resolve().parents[2] / "src" / "comptoir"
CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")
# ``action=f"assignment.{source}"``: the sources its callers pass.
TEMPLATED = {"assignment.{source}": {"assignment.bulk", "assignment.import"}}


def _codes(node) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body) | _codes(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return TEMPLATED.get(ast.unparse(node)[2:-1], {f"<unknown {ast.unparse(node)}>"})
    return set()


def recorded_codes() -> set[str]:
    """Every action code the source passes as ``action=`` to a call."""
    codes: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        codes |= _codes(keyword.value)
    return codes


def test_the_scan_finds_the_codes_it_should():
    codes = recorded_codes()
    assert {"installation.remove", "identity.login", "assignment.import"} <= codes
    assert len(codes) > 50


def test_every_recorded_action_has_a_label():
    missing = sorted(recorded_codes() - set(journal.ACTION_LABELS))
    assert not missing, f"add a label to audit/journal.py ACTION_LABELS for: {missing}"


def test_every_label_is_translated_to_french():
    with translation.override("en"):
        english = {code: str(label) for code, label in journal.ACTION_LABELS.items()}
    with translation.override("fr"):
        untranslated = [c for c, label in journal.ACTION_LABELS.items() if str(label) == english[c]]
    assert not untranslated


def test_labels_in_french():
    with translation.override("fr"):
        assert journal.action_label("installation.remove") == "Application retirée"
        assert journal.action_label("assignment.assign_all") == "Affectée à tous les clients"
        assert journal.action_label("some.future_code") == "some.future_code"


@pytest.mark.parametrize(
    ("details", "lines"),
    [
        ({}, []),
        (
            {"app": "meg", "app_name": "MEG", "cancelled": 2},
            [("Application", "meg"), ("Application", "MEG"), ("Annulés", "2")],
        ),
        (
            {"roles": ["administrateur", "invite"], "companies": "all", "installation": 4},
            [("Rôles", "Administrateur, Invité"), ("Entreprises clientes", "toutes")],
        ),
        (
            {"changed": {"name": {"before": "Ancien", "after": "Nouveau"}}},
            [("Nom", "Ancien → Nouveau")],
        ),
        ({"include_future_companies": True}, [("Aussi les clients ajoutés plus tard", "oui")]),
        (
            {"companies_created": {"count": 36, "ids": [1, 2, 3]}},
            [("Entreprises clientes servies", "36")],
        ),
        ({"granted": [4, 9, 12]}, [("Donné", "3")]),
        ({"fiscal_year": "2026-01-01"}, [("Exercice comptable", "01/01/2026")]),
        ({"sha256": "ab" * 32, "file_name": "f.pdf"}, [("Fichier", "f.pdf")]),
    ],
)
def test_details_become_lines_not_dictionaries(details, lines):
    with translation.override("fr"):
        got = [(line.label, line.value) for line in journal.detail_lines(details)]
    assert got == lines


def test_long_lists_are_cut_with_a_real_plural():
    with translation.override("fr"):
        assert journal.value_text([f"a{n}" for n in range(9)]).endswith("a7 et 1 autre")
        assert journal.value_text([f"a{n}" for n in range(10)]).endswith("et 2 autres")
    with translation.override("en"):
        assert journal.value_text([f"a{n}" for n in range(10)]).endswith("and 2 more")


def test_the_one_line_form_for_spreadsheets():
    with translation.override("en"):
        text = journal.details_text({"roles": ["invite"], "impact": {"companies": 3, "users": 5}})
    assert text == "Roles: Guest · What went with it: Client companies: 3, Users: 5"
