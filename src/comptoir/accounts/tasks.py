"""Invitation e-mails, sent by the worker."""

import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from comptoir.accounts.models import Invitation, hash_secret
from comptoir.core.request_context import carries_request_id


@task()
@carries_request_id
def send_invitation(invitation_id: int) -> bool:
    """Send the invitation's e-mail with a fresh link. Does nothing if it is no longer pending."""
    invitation = (
        Invitation.objects.filter(pk=invitation_id)
        .select_related("user", "firm", "company", "invited_by")
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    raw = invitation_issue_link(invitation=invitation)
    _send(invitation, "invitation", link=reverse("companies:invitation_accept", args=[raw]))
    return True


def invitation_issue_link(*, invitation: Invitation) -> str:
    """A fresh link for the invitation, made as its e-mail goes; the previous link stops working."""
    raw = secrets.token_urlsafe(32)
    invitation.token_hash = hash_secret(raw)
    invitation.save(update_fields=["token_hash", "updated_at"])
    return raw


@task()
@carries_request_id
def send_access_notice(invitation_id: int) -> bool:
    """Tell a user of the firm's tenant that they were given access to one more company."""
    invitation = (
        Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=False)
        .select_related("user", "firm", "company", "invited_by")
        .first()
    )
    if invitation is None:
        return False
    _send(invitation, "access_notice", link=reverse("accounts:login"))
    return True


def _send(invitation: Invitation, template: str, *, link: str) -> None:
    """The e-mail ``accounts/email/<template>.txt`` (and its subject), in the invitation's
    language, to the invited address."""
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "link": settings.SITE_URL + link,
            "place": invitation.company or invitation.firm,
        }
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(
        subject=" ".join(subject.split()),
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.user.email],
    )


@task()
@carries_request_id
def send_account_email(
    *, subject: str, body: str, to: list[str], html: str = "", from_email: str = ""
) -> bool:
    """An e-mail of django-allauth's (password reset link, "your password was changed"),
    rendered in the request and sent by the worker: the page answers in the same time
    whether or not the address has an account."""
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(subject, body, from_email or settings.DEFAULT_FROM_EMAIL, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    return True
