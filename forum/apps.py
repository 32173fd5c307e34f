from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum des communautés de pratique")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .services.security import note_sign_in

        def remember_device(sender, request, user, **kwargs):
            if request is not None:
                note_sign_in(request)

        user_logged_in.connect(remember_device, dispatch_uid="forum.remember_device", weak=False)
