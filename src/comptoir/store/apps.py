from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "comptoir.store"
    label = "store"
