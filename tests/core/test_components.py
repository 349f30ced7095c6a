"""The shared page components in templates/includes/ and templates/*_base.html."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _page(number):
    return Paginator(list(range(30)), 10).get_page(number)


def test_pagination_keeps_the_request_query_and_sets_the_page():
    request = RequestFactory().get("/", {"q": "Müller", "seite": "2"})
    html = render_to_string("includes/pagination.html", {"page": _page(2)}, request=request)
    assert 'href="?q=M%C3%BCller&amp;seite=1"' in html
    assert 'href="?q=M%C3%BCller&amp;seite=3"' in html
    assert 'aria-label="Seiten"' in html
    assert "Seite 2 von 3" in html


def test_pagination_with_own_parameter_label_and_query():
    request = RequestFactory().get("/", {"jahr": "kaputt", "extra": "1"})
    context = {
        "page": _page(1),
        "page_param": "mitglieder_seite",
        "nav_label": "Seiten der Buchungen",
        "link_query": {"jahr": 2025, "leistung": ""},
    }
    html = render_to_string("includes/pagination.html", context, request=request)
    assert 'href="?jahr=2025&amp;leistung=&amp;mitglieder_seite=2"' in html
    assert 'aria-label="Seiten der Buchungen"' in html
    assert "Vorherige Seite" not in html


def test_pagination_is_empty_for_a_single_page():
    page = Paginator([1, 2], 10).get_page(1)
    request = RequestFactory().get("/")
    html = render_to_string("includes/pagination.html", {"page": page}, request=request)
    assert html.strip() == ""


def test_error_summary_links_a_radio_group_to_its_fieldset():
    from django import forms

    class Form(forms.Form):
        name = forms.CharField()
        role = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = Form(data={})
    form.is_valid()
    html = render_to_string("includes/error_summary.html", {"form": form})
    assert 'href="#id_name"' in html
    assert 'href="#id_role"' in html
    assert 'href="#"' not in html


def test_data_table_wraps_rows_in_a_region_named_by_the_caption():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load components %}{% data_table "x-tabelle" caption table_id="x" %}'
        "<tbody><tr><td>{{ cell }}</td></tr></tbody>{% enddata_table %}"
    )
    html = template.render({"caption": "Kosten & Nutzen", "cell": "<b>"})
    assert 'role="region" aria-labelledby="x-tabelle" tabindex="0"' in html
    assert '<table class="kern-table kern-table--striped" id="x">' in html
    assert '<caption class="kern-title" id="x-tabelle">Kosten &amp; Nutzen</caption>' in html
    assert "<td>&lt;b&gt;</td>" in html


def test_data_table_with_no_items_shows_the_empty_text_instead():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load components %}{% data_table "x-tabelle" "Liste" items=rows empty=text'
        ' empty_id="x-leer" %}<tbody>{% for r in rows %}<tr><td>{{ r }}</td></tr>{% endfor %}'
        "</tbody>{% enddata_table %}"
    )
    html = template.render({"rows": [], "text": "Noch <nichts>."})
    assert html == '<p class="kern-body" id="x-leer">Noch &lt;nichts&gt;.</p>\n'
    html = template.render({"rows": ["a"], "text": "Noch nichts."})
    assert "Noch nichts." not in html
    assert '<caption class="kern-title" id="x-tabelle">Liste</caption>' in html
    assert "<tr><td>a</td></tr>" in html


def test_data_table_with_head_puts_the_head_row_and_the_body_around_the_rows():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load components %}{% table_head _("Name") as head %}'
        '{% data_table "x-tabelle" "Liste" head=head %}<tr><td>{{ cell }}</td></tr>'
        "{% enddata_table %}"
    )
    html = "".join(template.render({"cell": "<b>"}).split("\n")).replace("  ", "")
    assert (
        '</caption><thead><tr class="kern-table__row">'
        '<th scope="col" class="kern-table__header">Name</th></tr></thead>'
        '<tbody class="kern-table__body"><tr><td>&lt;b&gt;</td></tr></tbody></table>'
    ) in html


def test_timeline_renders_each_entry_with_its_item_template_or_the_empty_line():
    html = render_to_string(
        "includes/timeline.html",
        {"list_id": "verlauf", "entries": [], "item": "cases/includes/history_entry.html"},
    )
    assert '<ol class="kern-list" id="verlauf">' in html
    assert "<li>Noch keine Einträge.</li>" in html


def test_table_head_marks_the_numeric_columns():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load components %}{% table_head _("Mitglied") name _("Kosten") numeric="3" %}'
    )
    html = template.render({"name": "A & B"})
    assert html.startswith('<thead><tr class="kern-table__row">')
    assert '<th scope="col" class="kern-table__header">Mitglied</th>' in html
    assert '<th scope="col" class="kern-table__header">A &amp; B</th>' in html
    assert (
        '<th scope="col" class="kern-table__header kern-table__header--numeric">Kosten</th>' in html
    )
    assert html.rstrip().endswith("</tr></thead>")


def test_table_head_leaves_out_an_empty_heading_but_counts_its_position():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load components %}{% table_head owner _("Programm") _("Betrag") numeric="3" %}'
    )
    html = template.render({"owner": ""})
    assert html.count("<th ") == 2
    assert '<th scope="col" class="kern-table__header">Programm</th>' in html
    assert (
        '<th scope="col" class="kern-table__header kern-table__header--numeric">Betrag</th>' in html
    )
    assert "Schulträger" in template.render({"owner": "Schulträger"})


def test_alert_with_title_id_is_a_section_named_by_its_title():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load components %}{% alert "info" _("Gut zu wissen") title_id="hinweis-titel" %}'
        "<p>{{ text }}</p>{% endalert %}"
        '{% alert "warning" _("Demo") heading="h3" role="note" alert_id="demo" %}x{% endalert %}'
    )
    html = template.render({"text": "<i>"})
    assert '<section class="kern-alert kern-alert--info" aria-labelledby="hinweis-titel">' in html
    assert '<h2 class="kern-title" id="hinweis-titel">Gut zu wissen</h2>' in html
    assert "<p>&lt;i&gt;</p>" in html
    assert '<div class="kern-alert kern-alert--warning" role="note" id="demo">' in html
    assert '<span class="kern-icon kern-icon--warning" aria-hidden="true"></span>' in html
    assert '<h3 class="kern-title">Demo</h3>' in html


def test_alert_with_focus_can_take_the_focus_from_a_script():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load components %}{% alert "danger" "Fehler" role="alert" alert_id="f" focus=True %}'
        "x{% endalert %}"
    )
    html = template.render({})
    assert '<div class="kern-alert kern-alert--danger" role="alert" id="f" tabindex="-1">' in html


def test_alert_without_title_is_only_its_body():
    from django.template import engines

    template = engines["django"].from_string(
        '{% load components %}{% alert "info" role="note" %}<p>Hinweis</p>{% endalert %}'
    )
    html = template.render({})
    assert '<div class="kern-alert kern-alert--info" role="note">' in html
    assert "kern-alert__header" not in html
    assert "kern-title" not in html
    assert '<div class="kern-alert__body">\n<p>Hinweis</p>\n  </div>' in html
