from collections.abc import Sequence

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from comptoir.accounts.models import Invitation, User
from comptoir.companies.models import Company, CompanyMembership
from comptoir.core.lookups import get_or_404
from comptoir.firms.models import Firm

# The clients list's sortable columns (``?tri=``): key → fields, ascending.
COMPANY_SORTS = {"name": ("name",), "siret": ("siret",), "members": ("member_count",)}
COMPANY_DEFAULT_SORT = "name"


def company_list(
    *, firm: Firm, q: str | None = None, order_by: Sequence[str] = ("name", "id")
) -> QuerySet[Company]:
    """The firm's client companies by name (or ``order_by``, which the caller has checked
    against ``COMPANY_SORTS``); ``q`` matches the name or the SIRET's digits."""
    companies = Company.objects.filter(firm=firm)
    q = (q or "").strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        condition = Q(name__icontains=q)
        if digits and len(digits) >= 3 and len(digits) == len(q.replace(" ", "")):
            condition |= Q(siret__contains=digits)
        companies = companies.filter(condition)
    return companies.order_by(*order_by)


def company_list_with_member_counts(
    *, firm: Firm, q: str | None = None, order_by: Sequence[str] = ("name", "id")
) -> QuerySet[Company]:
    """``company_list`` with each company's ``member_count``.

    The count is a correlated subquery, not a join grouped over every company: a page reads
    its 50 companies along the (firm, name) index and counts the members of those 50 only,
    and the paginator's count stays a plain ``COUNT(*)`` (the unused annotation is dropped),
    whatever the number of companies.
    """
    members = (
        CompanyMembership.objects.filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(count=Count("pk"))
        .values("count")
    )
    companies = company_list(firm=firm, q=q).annotate(
        member_count=Coalesce(Subquery(members), Value(0))
    )
    return companies.order_by(*order_by)


def company_get(*, firm: Firm, pk: int | str) -> Company:
    """One company of the firm; 404 for another firm's company or anything that is not an id."""
    return get_or_404(Company.objects.filter(firm=firm), pk=pk)


def company_member_list(*, company: Company) -> QuerySet[CompanyMembership]:
    return (
        CompanyMembership.objects.filter(company=company)
        .select_related("user")
        .order_by("user__email")
    )


def company_member_get(*, company: Company, user_id: int | str) -> CompanyMembership:
    return get_or_404(
        CompanyMembership.objects.filter(company=company).select_related("user"), user_id=user_id
    )


# --- invitations waiting for an answer ------------------------------------------------------


def company_invitation_list(*, company: Company) -> QuerySet[Invitation]:
    """Invitations to the company not answered yet (expired ones included: they can be
    cancelled and sent again), newest first. Only the address is shown: no name, no hint of
    whether the login exists."""
    return Invitation.objects.open().filter(company=company).select_related("user").order_by("-id")


def company_invitation_get(*, company: Company, pk: int | str) -> Invitation:
    return get_or_404(Invitation.objects.open().filter(company=company), pk=pk)


def user_pending_invitations(*, user: User) -> QuerySet[Invitation]:
    """The user's own invitations waiting for their answer (the banner, ``/me/invitations``)."""
    return (
        Invitation.objects.pending()
        .filter(user=user)
        .select_related("firm", "company")
        .order_by("created_at", "id")
    )
