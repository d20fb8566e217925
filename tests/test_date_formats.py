"""Dates in the reader's language: French as French, English day first with a 24-hour clock."""

from datetime import UTC, date, datetime

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

MOMENT = datetime(2026, 12, 4, 14, 5, tzinfo=UTC)  # 15:05 in Paris


def render(text: str, **context) -> str:
    return Template("{% load i18n %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("language", "short_date", "short_datetime", "long_date"),
    [
        ("fr", "04/12/2026", "04/12/2026 15:05", "4 décembre 2026"),
        ("en", "04/12/2026", "04/12/2026 15:05", "4 December 2026"),
    ],
)
def test_the_date_formats_the_pages_use(language, short_date, short_datetime, long_date):
    with translation.override(language):
        assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=date(2026, 12, 4)) == short_date
        assert render('{{ m|date:"SHORT_DATETIME_FORMAT" }}', m=MOMENT) == short_datetime
        assert render("{{ d|date }}", d=date(2026, 12, 4)) == long_date


def test_english_is_not_american():
    with translation.override("en"):
        text = render('{{ m|date:"SHORT_DATETIME_FORMAT" }}', m=MOMENT)
    assert text != "12/04/2026 3:05 p.m." and "p.m." not in text


class _Form(forms.Form):
    day = forms.DateField()


@pytest.mark.parametrize("typed", ["2026-12-04", "04/12/2026"])
def test_english_forms_read_the_date_pickers_iso_and_day_first_dates(typed):
    with translation.override("en"):
        form = _Form({"day": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date(2026, 12, 4)
