from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    name = "dunning"
    verbose_name = _("Dunning")

    def ready(self):
        from dunning import (  # noqa: F401  (each registers on import)
            disputes_hooks,  # exclusions and acceptance features of disputes
            panels,  # the dunning 360 section
            promise_hooks,  # exclusions, acceptance features
            promises_panel,  # the promises and plans 360 section
        )
        from dunning.portal import panel  # noqa: F401  (the portal section and the reminder link)
