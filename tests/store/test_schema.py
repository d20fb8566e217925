"""The settings schema: parsing the catalogue's declarations, validating input, secrets."""

import pytest
from django import forms
from django.utils.translation import override

from comptoir.core.crypto import decrypt_str
from comptoir.core.errors import ValidationFailed
from comptoir.store.schema import (
    SECRET_MARKER,
    SchemaError,
    company_fields,
    firm_fields,
    parse_schema,
    public_settings,
    reveal_settings,
)
from comptoir.store.schema_forms import form_fields, form_initial
from comptoir.store.settings_validation import validate_settings
from tests.store.factories import API_SCHEMA, AutomationAppFactory


def field(**overrides):
    base = {
        "key": "adresse",
        "label_fr": "Adresse",
        "label_en": "Address",
        "kind": "email",
        "level": "company",
    }
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"key": "x"}, "settings_schema must be a list"),
        (["not a mapping"], "field #1"),
        ([field(key="Bad Key")], "“key” must be"),
        ([field(label_fr="")], "“label_fr” is required"),
        ([field(kind="password")], "“kind” must be one of"),
        ([field(level="user")], "“level” must be firm or company"),
        ([field(required="yes")], "“required” must be true or false"),
        ([field(kind="choice")], "needs a non-empty list of choices"),
        ([field(kind="choice", choices=["a", "a"])], "choices must be distinct"),
        ([field(choices=["a"])], "only a choice field has choices"),
        ([field(kind="text", folder="achats")], "only a collection e-mail"),
        ([field(folder="cuisine")], "unknown folder"),
        ([field(colour="red")], "unknown attributes"),
        ([field(), field()], "used twice"),
    ],
)
def test_a_bad_schema_names_the_app_and_the_field(raw, fragment):
    with pytest.raises(SchemaError) as caught:
        parse_schema(raw, app="appli-test")
    assert "appli-test" in str(caught.value)
    assert fragment in str(caught.value)


def test_a_folder_outside_the_accepted_folders_is_refused():
    with pytest.raises(SchemaError, match="accepted_folders"):
        parse_schema([field(folder="ventes")], app="x", accepted_folders=["achats"])


def test_fields_split_by_level(db):
    app = AutomationAppFactory.build()
    assert [f.key for f in firm_fields(app)] == ["api_url", "api_key", "mode"]
    assert [f.key for f in company_fields(app)] == ["dossier_code", "email_achats"]
    assert company_fields(app)[1].folder == "achats"


def test_valid_firm_settings_are_cleaned_and_the_secret_encrypted():
    app = AutomationAppFactory.build()
    stored = validate_settings(
        app,
        "firm",
        {"api_url": " HTTPS://API.Partenaire.example/v1 ", "api_key": "k-123", "mode": "test"},
    )
    assert stored["api_url"] == "https://api.partenaire.example/v1"
    assert stored["mode"] == "test"
    assert set(stored["api_key"]) == {SECRET_MARKER}
    assert "k-123" not in str(stored)
    assert decrypt_str(stored["api_key"][SECRET_MARKER]) == "k-123"
    assert reveal_settings(app, "firm", stored)["api_key"] == "k-123"
    shown = public_settings(app, "firm", stored)
    assert shown == {
        "api_url": "https://api.partenaire.example/v1",
        "api_key": {"secret_set": True},
        "mode": "test",
    }


def test_every_problem_is_reported_at_once():
    app = AutomationAppFactory.build()
    with pytest.raises(ValidationFailed) as caught:
        validate_settings(
            app,
            "firm",
            {
                "api_url": "javascript:alert(1)",
                "mode": "prod",
                "colour": "red",
                "dossier_code": "X1",
            },
        )
    details = {d["key"]: d["code"] for d in caught.value.details}
    assert details == {
        "api_url": "url_scheme",
        "mode": "invalid_choice",
        "colour": "unknown_setting",
        "dossier_code": "wrong_level",
        "api_key": "required",
    }
    assert all(d["field"] == f"settings.{d['key']}" for d in caught.value.details)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("pas-une-adresse", "invalid_email"),
        ("a@b", "invalid_email"),
        (12, "not_text"),
        ("x" * 501, "too_long"),
        ("line\nbreak", "control"),
    ],
)
def test_company_values_are_checked(value, code):
    app = AutomationAppFactory.build()
    with pytest.raises(ValidationFailed) as caught:
        validate_settings(app, "company", {"dossier_code": "D1", "email_achats": value})
    assert [d["code"] for d in caught.value.details] == [code]


def test_email_domains_are_lowercased():
    app = AutomationAppFactory.build()
    stored = validate_settings(
        app, "company", {"dossier_code": "D1", "email_achats": "Achat.Dupont@Box.Example"}
    )
    assert stored == {"dossier_code": "D1", "email_achats": "Achat.Dupont@box.example"}


def test_update_merges_keeps_the_secret_when_left_empty_and_clears_values():
    app = AutomationAppFactory.build()
    stored = validate_settings(
        app, "firm", {"api_url": "https://a.example", "api_key": "one", "mode": "test"}
    )
    kept = validate_settings(app, "firm", {"api_key": "", "mode": ""}, stored)
    assert kept["api_key"] == stored["api_key"]
    assert "mode" not in kept
    assert kept["api_url"] == "https://a.example"
    replaced = validate_settings(app, "firm", {"api_key": "two"}, stored)
    assert reveal_settings(app, "firm", replaced)["api_key"] == "two"
    with pytest.raises(ValidationFailed) as caught:
        validate_settings(app, "firm", {"api_key": None}, stored)  # required: cannot clear
    assert caught.value.details[0]["code"] == "required"


def test_settings_must_be_an_object():
    app = AutomationAppFactory.build()
    with pytest.raises(ValidationFailed):
        validate_settings(app, "firm", ["api_url"])


@override("en")
def test_forms_come_from_the_schema_and_never_show_a_secret():
    app = AutomationAppFactory.build()
    stored = validate_settings(app, "firm", {"api_url": "https://a.example", "api_key": "k"})
    fields = form_fields(app, "firm", stored)
    assert list(fields) == ["api_url", "api_key", "mode"]
    assert isinstance(fields["api_key"].widget, forms.PasswordInput)
    assert fields["api_key"].required is False  # already set: empty keeps it
    assert "Leave empty to keep it" in str(fields["api_key"].help_text)
    assert form_fields(app, "firm")["api_key"].required is True
    assert isinstance(fields["mode"], forms.ChoiceField)
    assert form_initial(app, "firm", stored) == {"api_url": "https://a.example"}
    company = form_fields(app, "company")
    assert "Purchases" in str(company["email_achats"].help_text)


def test_the_api_description_of_a_field():
    spec = parse_schema(API_SCHEMA, app="x")[2]
    described = spec.as_dict()
    assert described["kind"] == "choice"
    assert [c["value"] for c in described["choices"]] == ["test", "production"]
