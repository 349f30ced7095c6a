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
def data_table(
    content,
    caption_id: str,
    caption,
    table_id: str = "",
    caption_class: str = "kern-title",
    items=None,
    empty="",
    empty_id: str = "",
    head="",
) -> str:
    """A KERN table with its caption in a scrollable region named by the caption:
    {% data_table "x-tabelle" _("Caption") table_id="x" %}<thead>…</tbody>{% enddata_table %}
    (a caption with values: {% blocktranslate asvar caption … %} first; a caption only for
    screen readers: caption_class="kern-sr-only"). With `empty` the table shows only when
    `items` (its rows) has any; else the paragraph `empty` (id `empty_id`) stands in its place:
    {% data_table … items=logs empty=_("Noch nichts.") empty_id="x-leer" %}. With `head` (the
    head row from {% table_head … as head %}) the content is only the rows: the tag puts the head
    row and the table body around them."""
    context = {
        "caption_id": caption_id,
        "caption": caption,
        "caption_class": caption_class,
        "table_id": table_id,
        "rows": content,
        "empty": empty if empty and not items else "",
        "empty_id": empty_id,
        "head": head,
    }
    return render_to_string("includes/data_table.html", context)


@register.simple_tag
def table_head(*headings, numeric: str = "") -> str:
    """The head row of a KERN table, one column heading per argument; `numeric`: the
    positions (from 1) of the columns of numbers (right-aligned):
    {% table_head _("Mitglied") _("Kosten") numeric="2" %}. An empty heading leaves its column
    out (a column only some users see; the positions still count it)."""
    numeric_positions = {int(position) for position in numeric.split()}
    columns = [
        (heading, number in numeric_positions)
        for number, heading in enumerate(headings, 1)
        if heading
    ]
    return render_to_string("includes/table_head.html", {"columns": columns})


@register.simple_block_tag
def alert(
    content,
    level: str,
    title="",
    heading: str = "h2",
    role: str = "",
    alert_id: str = "",
    title_id: str = "",
    focus: bool = False,
) -> str:
    """A KERN alert (level info, warning, success or danger) with icon, title and the body
    between the tags: {% alert "info" _("Title") role="note" %}<p …>…</p>{% endalert %}.
    `heading`: the title's element (h2, h3); with `title_id` the alert is a section named by
    its title; `focus=True`: focusable by script (tabindex -1, e.g. errors of an upload).
    Without a title the alert is only its body: {% alert "info" alert_id="x" %}…{% endalert %}."""
    context = {
        "level": level,
        "title": title,
        "heading": heading,
        "role": role,
        "alert_id": alert_id,
        "title_id": title_id,
        "focus": focus,
        "body": content,
    }
    return render_to_string("includes/alert.html", context)
