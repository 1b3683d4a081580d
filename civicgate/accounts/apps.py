from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from django.apps import apps

    # post_migrate fires once per app that has models; permissions of later apps exist only
    # after the last of those.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not with_models[-1]:
        return
    from civicgate.accounts.roles import sync_roles

    sync_roles()


def _audit_lockout(
    sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any
) -> None:
    from civicgate.audit.chain import record

    record(
        "accounts.locked_out",
        actor=f"sign-in as {username[:60]}",
        request=request,
        data={"username": username[:150], "ip_address": ip_address},
    )


class AccountsConfig(AppConfig):
    name = "civicgate.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        post_migrate.connect(_sync_roles, dispatch_uid="civicgate_sync_roles")
        user_locked_out.connect(_audit_lockout, dispatch_uid="civicgate_audit_lockout")
