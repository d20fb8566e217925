from django.urls import path

from comptoir.documents import views

app_name = "documents"

urlpatterns = [
    path(
        "cabinet/clients/<id:pk>/documents/",
        views.firm_company_documents,
        name="firm_company_documents",
    ),
    path("entreprise/documents/", views.company_documents, name="company_documents"),
    # documents:detail, one document with its send history: deliveries.urls.document_patterns
    path(
        "documents/<id:pk>/versions/<id:number>/fichier/",
        views.version_download,
        name="download",
    ),
]
