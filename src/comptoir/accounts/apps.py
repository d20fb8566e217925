from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "comptoir.accounts"
    label = "accounts"

    def ready(self) -> None:
        from comptoir.accounts import mfa

        mfa.connect_signals()  # two-factor set up or removed → the audit log
