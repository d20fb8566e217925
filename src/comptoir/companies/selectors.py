from django.db.models import Count, Q, QuerySet
from django.http import Http404

from comptoir.companies.models import Company, CompanyMembership


def company_list(*, firm, q: str | None = None) -> QuerySet[Company]:
    """The firm's client companies by name; ``q`` matches the name or the SIRET's digits."""
    companies = Company.objects.filter(firm=firm)
    q = (q or "").strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        condition = Q(name__icontains=q)
        if digits and len(digits) >= 3 and len(digits) == len(q.replace(" ", "")):
            condition |= Q(siret__contains=digits)
        companies = companies.filter(condition)
    return companies.order_by("name", "id")


def company_list_with_member_counts(*, firm, q: str | None = None) -> QuerySet[Company]:
    return company_list(firm=firm, q=q).annotate(member_count=Count("memberships"))


def company_get(*, firm, pk) -> Company:
    """One company of the firm; 404 for another firm's company or anything that is not an id."""
    if not str(pk).isdigit():
        raise Http404
    company = Company.objects.filter(firm=firm, pk=int(pk)).first()
    if company is None:
        raise Http404
    return company


def company_member_list(*, company: Company) -> QuerySet[CompanyMembership]:
    return (
        CompanyMembership.objects.filter(company=company)
        .select_related("user")
        .order_by("user__email")
    )


def company_member_get(*, company: Company, user_id) -> CompanyMembership:
    if not str(user_id).isdigit():
        raise Http404
    membership = (
        CompanyMembership.objects.filter(company=company, user_id=int(user_id))
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    return membership
