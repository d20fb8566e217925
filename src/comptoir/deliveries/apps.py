from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "comptoir.deliveries"
    label = "deliveries"

    def ready(self) -> None:
        from comptoir.deliveries.settings_checks import check_destination_settings
        from comptoir.store.schema import register_destination_check

        # The Store validates app settings but sits below us: it calls the guard through this.
        register_destination_check(check_destination_settings)
