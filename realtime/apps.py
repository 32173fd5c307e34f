from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Temps réel"

    def ready(self) -> None:
        from forum import events

        from . import receivers

        events.subscribe(receivers.dispatch)
