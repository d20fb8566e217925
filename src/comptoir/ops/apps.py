from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Comptoir in production: serve/build commands, health, logs, metrics."""

    name = "comptoir.ops"
    label = "ops"
    verbose_name = "Exploitation"

    def ready(self) -> None:
        from comptoir.ops import metrics

        metrics.connect()
