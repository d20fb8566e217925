from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "comptoir.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from comptoir.core.ids import IdConverter

        # Before any urls.py is read: their patterns write ids as <id:pk> (see core.ids).
        register_converter(IdConverter, "id")
