"""A URL that fails, for the error-reporting tests (ADMINS e-mails, Sentry)."""

from django.urls import path


class PartnerExploded(Exception):
    pass


def boom(request):
    raise PartnerExploded("the partner's API exploded")


urlpatterns = [path("boom/", boom)]
