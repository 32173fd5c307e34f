from django import template
from django.conf import settings
from django.urls import reverse

from forum.devices import describe

register = template.Library()


@register.simple_tag
def quick_exit_url() -> str:
    """Where "Sortie rapide" leads (settings.QUICK_EXIT_URL, else the neutral page)."""
    return settings.QUICK_EXIT_URL or reverse("quick_exit")


register.filter("device", describe)


@register.simple_tag
def can_use_second_factor(user) -> bool:
    from forum.services.security import can_use_second_factor as allowed

    return allowed(user)
