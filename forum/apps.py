from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum des communautés de pratique")

    def ready(self) -> None:
        from . import account_data  # noqa: F401 (registers the forum's part of a member's data)
        from .services.reports import register_forum_targets

        # What can be reported (rooms adds its chat messages from its own ready()).
        register_forum_targets()
        # The signed-in home page's sections (webinars adds its own from its ready()).
        from .home import register_forum_sections, register_reading_data

        register_forum_sections()
        register_reading_data()
        # A post approved after others read past its number is new for them again.
        from . import events
        from .services.reading import reopen_for_approved_post

        events.subscribe(reopen_for_approved_post)

        # Search: the forum's kinds, and the index following events and saves.
        from .search import indexing, sources

        sources.register_forum_sources()
        indexing.connect()
        from .models import Organisation

        indexing.follow_model(Organisation, sources.ORGANISATION)

        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from .services.security import note_sign_in, note_sign_out

        def remember_device(sender, request, user, **kwargs):
            if request is not None:
                note_sign_in(request)

        def close_sockets(sender, request, user, **kwargs):
            if request is not None and user is not None:
                note_sign_out(request, user)

        user_logged_in.connect(remember_device, dispatch_uid="forum.remember_device", weak=False)
        user_logged_out.connect(close_sockets, dispatch_uid="forum.close_sockets", weak=False)
