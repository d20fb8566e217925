from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "comptoir.deliveries"
    label = "deliveries"
