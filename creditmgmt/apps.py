from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, **kwargs) -> None:
    from creditmgmt.roles import sync_groups

    sync_groups()


class CreditmgmtConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "creditmgmt"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Groups need the permissions, which each app creates in its own post_migrate:
        # sync after every app's, so the last one sees them all (cheap, idempotent).
        post_migrate.connect(_sync_role_groups, dispatch_uid="sync_role_groups")
