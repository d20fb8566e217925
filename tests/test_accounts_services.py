from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.accounts import services
from comptoir.accounts.models import ApiToken, Invitation, hash_secret
from comptoir.accounts.tasks import invitation_issue_link
from comptoir.companies.invitations import invitation_accept_by_link
from comptoir.core.errors import NotFound, ValidationFailed
from comptoir.tenancy.tokens import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_invitation(company, **overrides):
    user = overrides.pop("user", None) or UserFactory(password=None)
    if not overrides.pop("keep_password", False):
        user.set_unusable_password()
        user.save()
    invitation = Invitation.objects.create(
        firm=company.firm,
        company=company,
        user=user,
        role="invite",
        expires_at=overrides.pop("expires_at", timezone.now() + timedelta(days=7)),
        **overrides,
    )
    raw = invitation_issue_link(invitation=invitation)
    return invitation, raw


def test_token_is_stored_hashed_and_authenticates(firm_admin):
    token, key = token_create(user=firm_admin, name="Intégration paie")
    assert key.startswith("cpt_") and len(key) > 40
    assert token.key_hash == hash_secret(key) and key not in token.key_hash
    assert token.hint == key[:10]
    assert services.token_authenticate(key) == firm_admin
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("key", ["", "cpt_", "Bearer x", "cpt_" + "a" * 300, "autre"])
def test_unknown_keys_do_not_authenticate(key):
    assert services.token_authenticate(key) is None


def test_revoked_token_and_inactive_user_do_not_authenticate(firm_admin):
    token, key = token_create(user=firm_admin, name="t")
    services.token_revoke(user=firm_admin, token_id=token.pk)
    assert services.token_authenticate(key) is None
    _, key2 = token_create(user=firm_admin, name="t2")
    firm_admin.is_active = False
    firm_admin.save()
    assert services.token_authenticate(key2) is None


def test_one_cannot_revoke_another_users_token(firm_admin, firm_collaborator):
    token, _ = token_create(user=firm_admin, name="t")
    with pytest.raises(NotFound):
        services.token_revoke(user=firm_collaborator, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize("name", ["", "  ", "x" * 101])
def test_token_needs_a_reasonable_name(firm_admin, name):
    with pytest.raises(ValidationFailed):
        token_create(user=firm_admin, name=name)
    assert not ApiToken.objects.exists()


def test_accept_sets_password_once(company):
    _invitation, raw = make_invitation(company)
    user = invitation_accept_by_link(
        raw_token=raw, password="Un-mot-de-passe-long-2026", full_name="Léa"
    ).user
    user.refresh_from_db()
    assert user.check_password("Un-mot-de-passe-long-2026") and user.full_name == "Léa"
    with pytest.raises(ValidationFailed) as error:
        invitation_accept_by_link(raw_token=raw, password="Autre-mot-de-passe-2026")
    assert error.value.code == "invitation_used"
    user.refresh_from_db()
    assert user.check_password("Un-mot-de-passe-long-2026")


def test_expired_cancelled_and_unknown_links_are_explained(company):
    _expired, raw_expired = make_invitation(
        company, expires_at=timezone.now() - timedelta(minutes=1)
    )
    _cancelled, raw_cancelled = make_invitation(company, cancelled_at=timezone.now())
    for raw, code in [
        (raw_expired, "invitation_expired"),
        (raw_cancelled, "invitation_cancelled"),
    ]:
        with pytest.raises(ValidationFailed) as error:
            invitation_accept_by_link(raw_token=raw, password="Un-mot-de-passe-long-2026")
        assert error.value.code == code
    with pytest.raises(NotFound):
        invitation_accept_by_link(raw_token="nope", password="Un-mot-de-passe-long-2026")
    assert not Invitation.objects.filter(accepted_at__isnull=False).exists()


def test_weak_password_is_refused_and_nothing_changes(company):
    invitation, raw = make_invitation(company)
    with pytest.raises(ValidationFailed) as error:
        invitation_accept_by_link(raw_token=raw, password="1234")
    assert error.value.field == "password"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None and not invitation.user.has_usable_password()


def test_a_new_link_voids_the_previous_one(company):
    invitation, first = make_invitation(company)
    invitation_issue_link(invitation=invitation)
    with pytest.raises(NotFound):
        services.invitation_for_token(first)


def test_existing_login_accepts_without_changing_password(company):
    user = UserFactory()
    invitation, raw = make_invitation(company, user=user, keep_password=True)
    invitation_accept_by_link(raw_token=raw, password="")
    user.refresh_from_db()
    assert user.check_password("mot-de-passe-solide-42")
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
