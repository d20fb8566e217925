"""The layout's context switcher: its choices are ``available_contexts``'s keys and labels, in
the same order, from one query computed once per request; a page pays that one query."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from comptoir.tenancy.choices import context_choices, request_context_choices
from comptoir.tenancy.contexts import available_contexts
from tests.conftest import client_for
from tests.factories import (
    CompanyFactory,
    CompanyMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_of_many_places():
    user = UserFactory()
    FirmMembershipFactory(user=user, firm=FirmFactory(name="zèbre & Associés"))
    FirmMembershipFactory(user=user, firm=FirmFactory(name="Alpha Conseil"))
    for name in ("Boulangerie <Martin>", "atelier Dupont", "Zinc"):
        CompanyMembershipFactory(user=user, company=CompanyFactory(name=name))
    FirmMembershipFactory(firm=FirmFactory(name="Autre cabinet"))  # someone else's
    CompanyMembershipFactory(company=CompanyFactory(name="Autre entreprise"))
    return user


def test_the_choices_are_the_available_contexts_in_the_same_order(user_of_many_places):
    expected = [(c.key, c.label) for c in available_contexts(user_of_many_places)]
    got = [(c.key, c.label) for c in context_choices(user_of_many_places)]
    assert got == expected
    assert [label for _key, label in got][:2] == ["Alpha Conseil", "zèbre & Associés"]
    assert len(got) == 5  # nobody else's


def test_the_choices_are_one_query(user_of_many_places, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(context_choices(user_of_many_places)) == 5


def test_the_choices_are_computed_once_per_request(user_of_many_places, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = user_of_many_places
    with django_assert_num_queries(1):
        first = request_context_choices(request)
        assert request_context_choices(request) is first


def test_nobody_logged_in_has_no_choice(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert context_choices(AnonymousUser()) == []


def test_the_switcher_lists_every_place_escaped(user_of_many_places):
    html = client_for(user_of_many_places).get(reverse("portal:firm_home")).content.decode()
    assert html.count("<option ") == 5
    assert "Boulangerie &lt;Martin&gt; (" in html
    assert "<Martin>" not in html


def test_the_empty_layout_costs_one_query_for_the_switcher(
    user_of_many_places, django_assert_num_queries
):
    client = client_for(user_of_many_places)
    client.get(reverse("portal:firm_home"))  # the session remembers the context
    # session, user, the context, the tiles, the switcher (one query), the invitations banner
    with django_assert_num_queries(6):
        assert client.get(reverse("portal:firm_home")).status_code == 200
