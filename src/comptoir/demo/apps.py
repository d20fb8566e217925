from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: its seed, its runner (``comptoir rundemo``) and the partners' stand-ins.

    The top floor: it may use every app, and no app uses it."""

    name = "comptoir.demo"
    label = "demo"
