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

# One document's page, with each version's send history (views_document.py): its name is in
# the ``documents:`` namespace (``documents:detail``), where the page began; comptoir/urls.py
# adds it to it.
document_patterns = [
    path("documents/<id:pk>/", views_document.document_detail, name="detail"),
]
