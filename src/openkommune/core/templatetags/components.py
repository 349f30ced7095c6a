"""Helpers of the shared page components in templates/includes/ (pagination and the like)."""

from django import template
from django.http import QueryDict
from django.template.loader import render_to_string

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


@register.simple_block_tag
def data_table(content, caption_id: str, caption, table_id: str = "") -> str:
    """A KERN table with its caption in a scrollable region named by the caption:
    {% data_table "x-tabelle" _("Caption") table_id="x" %}<thead>…</tbody>{% enddata_table %}
    (a caption with values: {% blocktranslate asvar caption … %} first)."""
    context = {"caption_id": caption_id, "caption": caption, "table_id": table_id, "rows": content}
    return render_to_string("includes/data_table.html", context)
