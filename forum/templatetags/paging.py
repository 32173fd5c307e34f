from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, number: int, param: str = "page") -> str:
    """The query string of page ``number``: the current one with ``param`` replaced.

    Filters (an organisation's region, the other list's page) stay as they
    are; page 1 drops ``param``, so that the first page has one address.
    """
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query.pop(param, None)
    if number > 1:
        query[param] = str(number)
    return f"?{query.urlencode()}"
