from django import template

from forum.models import FollowLevel

register = template.Library()


@register.simple_tag
def follow_choices() -> list[tuple[str, str]]:
    """The levels a member may choose, as (value, label): declared once, in FollowLevel."""
    return FollowLevel.choices
