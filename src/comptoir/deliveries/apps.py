from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "comptoir.deliveries"
    label = "deliveries"

    def ready(self) -> None:
        from comptoir.deliveries.removal import register_removal_steps

        register_removal_steps()
