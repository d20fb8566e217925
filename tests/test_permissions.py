"""The permission vocabulary (firms.permissions, companies.permissions, the context's facts)
and the selectors' one lookup by id (core.lookups.get_or_404)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from comptoir.companies.models import Company
from comptoir.companies.permissions import (
    is_company_administrateur,
    require_company_administrateur,
)
from comptoir.core.errors import Forbidden
from comptoir.core.lookups import get_or_404
from comptoir.firms.permissions import (
    is_firm_admin,
    is_firm_member,
    require_firm_admin,
    require_firm_member,
)
from comptoir.tenancy.contexts import resolve_context


@pytest.mark.django_db
def test_firm_facts_by_role(firm, other_firm, firm_admin, firm_collaborator, company_admin):
    assert is_firm_member(firm_admin, firm) and is_firm_admin(firm_admin, firm)
    assert is_firm_member(firm_collaborator, firm.pk)  # the firm or its id
    assert not is_firm_admin(firm_collaborator, firm)
    assert not is_firm_member(firm_admin, other_firm)
    assert not is_firm_member(company_admin, firm)  # a client's user is not the firm's
    for nobody in (None, AnonymousUser()):
        assert not is_firm_member(nobody, firm) and not is_firm_admin(nobody, firm)


@pytest.mark.django_db
def test_company_facts_by_role(company, sibling_company, company_admin, company_collaborator):
    assert is_company_administrateur(company_admin, company)
    assert not is_company_administrateur(company_admin, sibling_company)
    assert not is_company_administrateur(company_collaborator, company)
    assert not is_company_administrateur(AnonymousUser(), company)


@pytest.mark.django_db
def test_guards_raise_the_callers_message_and_code(firm, company, firm_collaborator):
    with pytest.raises(Forbidden) as refused:
        require_firm_admin(firm_collaborator, firm, message="Not for you.", code="mine")
    assert (refused.value.message, refused.value.code) == ("Not for you.", "mine")
    with pytest.raises(Forbidden) as refused:
        require_firm_admin(firm_collaborator, firm)
    assert refused.value.code == "admin_only"
    with pytest.raises(Forbidden) as refused:
        require_firm_member(None, firm)
    assert refused.value.code == "firm_member_only"
    with pytest.raises(Forbidden) as refused:
        require_company_administrateur(firm_collaborator, company)
    assert refused.value.code == "company_admin_only"
    require_firm_member(firm_collaborator, firm)  # allowed: no error


@pytest.mark.django_db
def test_the_contexts_facts(firm, company, firm_admin, company_admin, company_collaborator):
    assert resolve_context(firm_admin).is_firm_admin
    assert not resolve_context(firm_admin).is_company_administrateur
    assert resolve_context(company_admin).is_company_administrateur
    assert not resolve_context(company_collaborator).is_company_administrateur


@pytest.mark.django_db
def test_get_or_404_finds_one_row_in_one_query(firm, company, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert get_or_404(Company.objects.filter(firm=firm), pk=company.pk) == company
    assert get_or_404(Company.objects.filter(firm=firm), pk=str(company.pk)) == company


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["abc", "007", "", None, True, -1, 0, 2**63, "١٢"])
def test_get_or_404_refuses_what_is_not_an_id_without_a_query(firm, pk, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(Http404):
        get_or_404(Company.objects.filter(firm=firm), pk=pk)


@pytest.mark.django_db
def test_get_or_404_hides_another_firms_row(firm, other_company):
    with pytest.raises(Http404):
        get_or_404(Company.objects.filter(firm=firm), pk=other_company.pk)
    assert get_or_404(Company.objects.filter(firm=other_company.firm), pk=other_company.pk)
