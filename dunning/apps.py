from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    name = "dunning"
    verbose_name = _("Dunning")

    def ready(self):
        from dunning import (
            disputes_hooks,  # noqa: F401  (exclusion, paused amounts, acceptance features, 360 section)
            panels,  # noqa: F401  (registers the 360 section on import)
            promise_hooks,  # noqa: F401  (exclusions, acceptance features)
            promises_panel,  # noqa: F401  (the promises and plans 360 section)
        )
