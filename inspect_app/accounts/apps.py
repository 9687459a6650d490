from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "inspect_app.accounts"
    label = "accounts"
    verbose_name = "People and roles"

    def ready(self):
        from inspect_app.accounts import (
            access,
            audit,  # noqa: F401 - connects the audit receivers
            sessions,  # noqa: F401 - connects the session receivers
        )

        access.install()
