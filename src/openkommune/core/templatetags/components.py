"""Helpers of the shared page components in templates/includes/ (pagination and the like)."""

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int, query=None) -> str:
    """The query string with `param` set to `number`, based on `query` (a mapping, for pages
    that link with their normalised filters) or else on the request's (keeps filters, sorting)."""
    if not query:  # not given: a missing template variable comes as ""
        params = context["request"].GET.copy()
    else:
        params = QueryDict(mutable=True)
        params.update(query)
    params[param] = number
    return params.urlencode()
