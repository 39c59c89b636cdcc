from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    name = "dunning"
    verbose_name = _("Dunning")

    def ready(self):
        from dunning import panels  # noqa: F401  (registers the 360 section on import)
        from dunning.portal import panel  # noqa: F401  (the portal section and the reminder link)
