"""How the moderation log shows the ``details["changes"]`` of any kind of action."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def change_value(value) -> str:
    """A plain value of a change (old or new) as text: labels are msgids, lists are joined."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list | tuple):
        return ", ".join(change_value(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} : {change_value(item)}" for key, item in value.items())
    if isinstance(value, str):
        return _(value) if value else "—"
    return str(value)
