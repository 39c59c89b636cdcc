from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    name = "dunning"
    verbose_name = _("Dunning")

    def ready(self):
        from dunning import disputes_hooks, panels  # noqa: F401  (register 360 sections and hooks on import)
        from dunning.portal import panel  # noqa: F401  (the portal section and the reminder link)
