from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from django.apps import apps

    # post_migrate fires once per app; permissions of later apps exist only after the last.
    if sender is not list(apps.get_app_configs())[-1]:
        return
    from civicgate.accounts.roles import sync_roles

    sync_roles()


class AccountsConfig(AppConfig):
    name = "civicgate.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="civicgate_sync_roles")
