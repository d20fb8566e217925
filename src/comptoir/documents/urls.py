from django.urls import path

from comptoir.documents import views

app_name = "documents"

urlpatterns = [
    # documents:firm_company_documents, documents:company_documents (the lists, with each
    # document's send status) and documents:detail (one document with its send history):
    # deliveries.urls.document_patterns
    path(
        "documents/<id:pk>/versions/<id:number>/fichier/",
        views.version_download,
        name="download",
    ),
]
