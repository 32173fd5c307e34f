from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum des communautés de pratique")

    def ready(self) -> None:
        from .services.reports import register_forum_targets

        # What can be reported (rooms adds its chat messages from its own ready()).
        register_forum_targets()
