"""A firm's first administrator is invited, never given a password: ``comptoir create-firm``
and the admin's “Inviter un administrateur” send the invitation e-mail; accepting it makes
the firm membership."""

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from comptoir.accounts.models import Invitation, User
from comptoir.audit.models import AuditEvent
from comptoir.firms.models import Firm, FirmMembership
from tests.factories import FirmFactory, UserFactory

pytestmark = pytest.mark.django_db


def _accept(link_mail, password="un-vrai-secret-42"):
    link = re.search(r"https?://\S+(/invitation/\S+/)", link_mail.body).group(1)
    client = Client()
    response = client.post(
        link, {"full_name": "Claire Martin", "password": password, "password_confirm": password}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_create_firm_invites_its_first_admin(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create-firm", "Cabinet Martin", "--admin-email", "Claire@Martin.test")
    firm = Firm.objects.get(name="Cabinet Martin")
    assert "cabinet-martin" in capsys.readouterr().out
    user = User.objects.get(email="claire@martin.test")
    assert not user.has_usable_password()  # nobody chose a password for them
    invitation = Invitation.objects.get(user=user)
    assert invitation.firm == firm and invitation.company is None and invitation.role == "admin"
    assert not FirmMembership.objects.filter(firm=firm).exists()  # not before saying yes
    assert mail.outbox[-1].to == ["claire@martin.test"]
    assert AuditEvent.objects.filter(firm=firm, action="firm.admin_invite").exists()

    client = _accept(mail.outbox[-1])
    membership = FirmMembership.objects.get(firm=firm, user=user)
    assert membership.role == "admin"
    assert client.get(reverse("portal:firm_home")).status_code == 200
    assert user.emailaddress_set.get().verified  # the link proved the address


def test_create_firm_refuses_a_bad_address_or_a_taken_slug():
    FirmFactory(name="Cabinet Pris", slug="cabinet-pris")
    with pytest.raises(CommandError, match=r"adresse e-mail valide|valid e-mail"):
        call_command("create-firm", "Nouveau", "--admin-email", "pas-une-adresse")
    assert not Firm.objects.filter(name="Nouveau").exists()  # nothing half-made
    with pytest.raises(CommandError):
        call_command("create-firm", "Cabinet Pris", "--admin-email", "a@b.test")


def test_the_admin_action_invites_an_administrator(
    admin_client, django_capture_on_commit_callbacks
):
    firm = FirmFactory(name="Cabinet Dupont")
    changelist = reverse("admin:firms_firm_changelist")
    response = admin_client.post(
        changelist, {"action": "invite_admin", "_selected_action": [firm.pk]}
    )
    form_url = reverse("admin:firms_firm_invite_admin", args=[firm.pk])
    assert response.status_code == 302 and response["Location"] == form_url
    page = admin_client.get(form_url)
    assert page.status_code == 200 and "Inviter un administrateur" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = admin_client.post(form_url, {"email": "paul@dupont.test", "full_name": "Paul"})
    assert sent.status_code == 302
    invitation = Invitation.objects.get(user__email="paul@dupont.test")
    assert invitation.firm == firm and invitation.role == "admin"
    assert mail.outbox[-1].to == ["paul@dupont.test"]

    again = admin_client.post(form_url, {"email": "paul@dupont.test"})
    assert again.status_code == 422 and "pas encore répondu" in again.content.decode()
    member = UserFactory()
    FirmMembership.objects.create(firm=firm, user=member, role="collaborator")
    taken = admin_client.post(form_url, {"email": member.email})
    assert taken.status_code == 422 and "déjà membre" in taken.content.decode()
