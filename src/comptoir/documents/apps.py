from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "comptoir.documents"
    label = "documents"
