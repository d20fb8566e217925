from django.contrib import admin
from django.urls import include, path

from comptoir.api import api
from comptoir.assignments import urls as assignments_urls
from comptoir.companies import urls as companies_urls
from comptoir.deliveries import urls as deliveries_urls
from comptoir.documents import urls as documents_urls

# Requests Django refuses while reading them (multipart, DATA_UPLOAD_* limits): the API's
# error shape on /api/, a French page elsewhere.
handler400 = "comptoir.core.bad_request.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("comptoir.accounts.urls")),
    # Our wrappers of a few of allauth's two-factor pages, at the same paths: before allauth.
    path("", include("comptoir.accounts.mfa_urls")),
    path("", include("comptoir.accounts.urls_allauth")),  # django-allauth
    path("", include("comptoir.sso.urls")),  # single sign-on per firm
    # The users pages of a client (views in assignments: they show which user sees which app)
    # keep their names in the companies: namespace.
    path("", include((companies_urls.urlpatterns + assignments_urls.member_patterns, "companies"))),
    path("", include("comptoir.store.urls")),
    path("", include("comptoir.assignments.urls")),
    # One document's page (a view in deliveries: it shows each version's send history) keeps
    # its name in the documents: namespace.
    path(
        "",
        include((documents_urls.urlpatterns + deliveries_urls.document_patterns, "documents")),
    ),
    path("", include("comptoir.deliveries.urls")),
    path("", include("comptoir.audit.urls")),
    path("", include("comptoir.firms.urls")),
    path("", include("comptoir.portal.urls")),
]
# Uploaded files are never served from MEDIA_URL: documents, logos and firm branding each go
# through a view that checks who is asking.
