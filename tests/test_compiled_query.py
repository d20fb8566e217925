"""Querysets compiled once (core.compiled): the same rows as the ORM for any ids, one query a
call and no compiling after the first, refusals at compile time, and the two users of it (the
home tiles, the invitation banner) reading what their ORM rule says."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from comptoir.accounts.models import Invitation
from comptoir.audit.models import AuditEvent
from comptoir.companies.context_processors import banner_invitations
from comptoir.companies.selectors import user_pending_invitations
from comptoir.core.compiled import CompiledQuery
from comptoir.firms.models import Firm
from tests.factories import CompanyFactory, FirmFactory, FirmMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_rows_are_the_querysets_for_every_id(django_assert_num_queries):
    firms = [FirmFactory(name=name) for name in ("Alpha", "Beta", "Gamma")]
    built = []

    def build(firm_id):
        built.append(firm_id)
        return Firm.objects.filter(pk__gte=firm_id).order_by("name").values_list("pk", "name")

    query = CompiledQuery(build, int)
    for firm in firms:
        with django_assert_num_queries(1):
            rows = query.rows(firm.pk)
        assert rows == list(build(firm.pk))
    assert len(built) == 1 + len(firms)  # once compiled with a sentinel, then only the checks
    assert query.rows(10**9) == []


def test_refused_when_a_value_does_not_reach_the_sql_or_needs_a_converter():
    with pytest.raises(ValueError, match="does not reach"):
        CompiledQuery(lambda firm_id: Firm.objects.values_list("pk"), int).rows(1)
    with pytest.raises(ValueError, match="converter"):  # JSON needs one on every database
        CompiledQuery(
            lambda event_id: AuditEvent.objects.filter(pk=event_id).values_list("details"), int
        ).rows(1)
    with pytest.raises(ValueError, match="ids"):
        CompiledQuery(lambda name: Firm.objects.filter(name=name), str)
    query = CompiledQuery(lambda firm_id: Firm.objects.filter(pk=firm_id).values_list("pk"), int)
    with pytest.raises(TypeError):
        query.rows("1 OR 1=1")


def test_datetimes_are_compared_as_the_orm_compares_them():
    user = UserFactory()
    firm = FirmFactory(name="Fiducia Conseil")
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    company = CompanyFactory(firm=firm, name="Atelier Moreau")
    soon = timezone.now() + timedelta(hours=1)
    for target, expires in ((company, soon), (None, soon + timedelta(days=1))):
        Invitation.objects.create(
            firm=firm,
            company=target,
            user=user,
            role="collaborateur",
            token_hash=f"h{expires.timestamp()}",
            expires_at=expires,
            invited_by=admin,
        )
    banner = banner_invitations(user_id=user.pk)
    expected = list(user_pending_invitations(user=user))
    assert [row["pk"] for row in banner] == [i.pk for i in expected]
    assert banner[0]["company"] == {"name": "Atelier Moreau"}
    assert banner[1]["company"] is None and banner[1]["firm"] == {"name": "Fiducia Conseil"}
    # An hour on, the first one has expired for both.
    query = CompiledQuery(
        lambda user_id, now: (
            Invitation.objects.pending(now).filter(user_id=user_id).values_list("pk")
        ),
        int,
        datetime,
    )
    later = soon + timedelta(minutes=1)
    assert [pk for (pk,) in query.rows(user.pk, later)] == list(
        Invitation.objects.pending(later).filter(user=user).values_list("pk", flat=True)
    )
    assert len(query.rows(user.pk, later)) == 1
    with pytest.raises(TypeError):
        query.rows(user.pk, later.replace(tzinfo=None))
    assert len(query.rows(user.pk, datetime(2000, 1, 1, tzinfo=UTC))) == 2
