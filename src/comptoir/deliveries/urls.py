from django.urls import path

from comptoir.deliveries import views, views_document, views_export

app_name = "deliveries"

urlpatterns = [
    path("cabinet/envois/", views.index, name="index"),
    path("cabinet/envois/export/", views_export.export, name="export"),
    path("cabinet/envois/<id:pk>/renvoyer/", views.resend, name="resend"),
    path(
        "documents/<id:pk>/versions/<id:number>/envois/",
        views.version_history,
        name="version_history",
    ),
]

# The documents' pages that show deliveries (views_document.py): the lists, with each
# document's latest send status, and one document's page, with each version's send history.
# Their names are in the ``documents:`` namespace, where the pages began; comptoir/urls.py adds
# them to it.
document_patterns = [
    path(
        "cabinet/clients/<id:pk>/documents/",
        views_document.firm_company_documents,
        name="firm_company_documents",
    ),
    path("entreprise/documents/", views_document.company_documents, name="company_documents"),
    path("documents/<id:pk>/", views_document.document_detail, name="detail"),
]
