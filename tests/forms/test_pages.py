"""The page-length rule (forms.engine.pages): the engine cuts a step above `PAGE_INPUTS`
inputs into pages, at group boundaries where there are some, never inside an entry of a
repeated group, following the answers of other steps; posts, errors and "Ändern" links of
the pages; and the publish check `page_length_problems`."""

import datetime

from django.http import QueryDict

from openkommune.forms.engine import (
    PAGE_INPUTS,
    page_errors,
    page_length_problems,
    page_of_path,
    parse_page_post,
    split_page_id,
    step_pages,
    validate,
    visible_pages,
)
from openkommune.forms.engine.rendering import screen_inputs, step_widgets
from tests.forms.helpers import field, form, group

TODAY = datetime.date(2025, 6, 15)


def texts(prefix: str, count: int, **props) -> list[dict]:
    return [field(f"{prefix}{n}", "text", required=True, **props) for n in range(1, count + 1)]


def ids(page) -> list[str]:
    def walk(items):
        for item in items:
            yield item.id
            if hasattr(item, "items") and item.kind == "group":
                yield from walk(item.items)

    return list(walk(page.items))


def pages_of(definition, data=None, step="eins"):
    return step_pages(definition, definition.step(step), data or {}, today=TODAY)


def posted(**fields) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in fields.items():
        query.appendlist(name.replace("__", "."), value)
    return query


# --- the cut ---------------------------------------------------------------------------------


def test_the_limit_is_ten_inputs_and_a_step_at_the_limit_stays_one_page():
    assert PAGE_INPUTS == 10
    [page] = pages_of(form(*texts("f", 10)))
    assert page.id == "eins"
    assert page.inputs == 10
    assert not page.is_cut


def test_a_step_above_the_limit_is_cut_into_even_pages_with_stable_ids():
    definition = form(*texts("f", 13))
    pages = pages_of(definition)
    assert [page.id for page in pages] == ["eins", "eins-2"]
    assert [page.inputs for page in pages] == [7, 6]
    assert ids(pages[0]) == [f"f{n}" for n in range(1, 8)]
    assert [(page.part, page.parts) for page in pages] == [(1, 2), (2, 2)]
    # The rendered screens count what the cut counted.
    for page in pages:
        assert screen_inputs(step_widgets(definition, page, {}, today=TODAY)) == page.inputs


def test_a_step_of_three_times_the_limit_gets_three_pages():
    pages = pages_of(form(*texts("f", 25)))
    sizes = [page.inputs for page in pages]
    assert len(sizes) == 3
    assert sum(sizes) == 25
    assert max(sizes) == 9


def test_groups_are_not_cut_when_they_fit_and_pages_start_at_a_group():
    definition = form(
        group("person", texts("p", 6)),
        group("kontakt", [field("anschrift", "address"), *texts("k", 2)]),
    )
    pages = pages_of(definition)
    assert [ids(page)[0] for page in pages] == ["person", "kontakt"]
    assert [page.inputs for page in pages] == [6, 6]


def test_a_group_above_the_limit_is_cut_at_its_sub_groups():
    definition = form(
        group(
            "person",
            [
                group("name", texts("n", 4)),
                group("geburt", texts("g", 3)),
                group("kontakt", [field("anschrift", "address"), *texts("k", 2)]),
            ],
        )
    )
    first, second = pages_of(definition)
    # The cut falls between sub-groups; the group appears on both pages with its legend.
    assert ids(first) == ["person", "name", "n1", "n2", "n3", "n4", "geburt", "g1", "g2", "g3"]
    assert ids(second) == ["person", "kontakt", "anschrift", "k1", "k2"]
    widgets = step_widgets(definition, second, {}, today=TODAY)
    assert [w.label for w in widgets] == ["Person"]
    assert [w.path for w in widgets[0].children] == ["person.kontakt"]


def test_a_cut_prefers_the_start_of_a_topic_to_an_even_split():
    # 8 single inputs and an address (4) and two more: 8 + 6, the address starting page two.
    definition = form(group("person", [*texts("p", 8), field("anschrift", "address"),
                                       *texts("k", 2)]))  # fmt: skip
    first, second = pages_of(definition)
    assert (first.inputs, second.inputs) == (8, 6)
    assert ids(second)[1] == "anschrift"


def test_an_entry_of_a_repeated_group_is_never_cut():
    definition = form(
        *texts("a", 3),
        group("hunde", texts("h", 12), repeat={"min": 1, "max": 3, "item_label": "Hund"}),
        *texts("z", 2),
    )
    pages = pages_of(definition)
    repeated = [page for page in pages if "hunde" in ids(page)]
    assert len(repeated) == 1
    assert set(ids(repeated[0])) >= {f"h{n}" for n in range(1, 13)}
    assert repeated[0].inputs == 12  # above the rule: the publish check reports it
    assert [ids(page)[0] for page in pages] == ["a1", "hunde", "z1"]


def test_a_follow_up_stays_on_its_question_s_page_and_counts_no_input():
    definition = form(
        *texts("a", 7),
        field("hund", "boolean", required=True),
        field("hund_name", "text", visible_if={"field": "hund", "equals": True}),
        field("hund_rasse", "text", visible_if={"field": "hund", "equals": True}),
        *texts("b", 4),
    )
    first, second = pages_of(definition)
    assert (first.inputs, second.inputs) == (6, 6)  # the follow-ups count nothing
    assert ids(second)[:4] == ["a7", "hund", "hund_name", "hund_rasse"]
    widgets = step_widgets(definition, second, {}, today=TODAY)
    assert [bool(w.show_if) for w in widgets[1:4]] == [False, True, True]  # shown with their answer


def test_the_cut_follows_answers_of_other_steps_and_skips_a_page_showing_nothing():
    steps = [
        {"id": "art", "title": "Art", "items": [field("art", "choice", choices="farbe")]},
        {
            "id": "eins",
            "title": "Angaben",
            "items": [
                *texts("a", 6),
                *texts("r", 6, visible_if={"field": "art", "equals": "rot"}),
            ],
        },
    ]
    definition = form(steps=steps)
    # Before "art" is answered, the red questions are hidden: one page.
    assert [page.id for page in pages_of(definition, {})] == ["eins"]
    # Red: twelve inputs, two pages.
    assert [page.inputs for page in pages_of(definition, {"art": "rot"})] == [6, 6]
    # A page whose every field is hidden by conditions is skipped.
    steps[1]["items"] = [
        *texts("g", 6, visible_if={"field": "art", "equals": "gruen"}),
        *texts("r", 6, visible_if={"field": "art", "equals": "rot"}),
    ]
    definition = form(steps=steps)
    screens = [page.id for page in visible_pages(definition, {"art": "rot"}, today=TODAY)]
    assert screens == ["art", "eins"]  # the red page only, since both cut at six
    # The page count and positions are those shown.
    [shown] = pages_of(definition, {"art": "rot"})
    assert (shown.part, shown.parts) == (1, 1)


def test_page_ids_name_their_step():
    assert split_page_id("person") == ("person", 1)
    assert split_page_id("person-2") == ("person", 2)
    assert split_page_id("person-1")[1] == 0  # the first page is the step's own id
    assert split_page_id("person-x")[1] == 0
    assert split_page_id("person-²")[1] == 0


# --- posts, errors, links --------------------------------------------------------------------


def person_form():
    return form(group("person", [*texts("p", 8), field("anschrift", "address", required=True),
                                 *texts("k", 2)]))  # fmt: skip


def test_a_page_post_keeps_the_answers_of_the_group_s_other_page():
    definition = person_form()
    first, second = pages_of(definition)
    data = {"person": {f"p{n}": f"Wert {n}" for n in range(1, 9)}}
    fragment = parse_page_post(
        definition,
        second,
        posted(
            person__anschrift__street="Breiter Weg",
            person__anschrift__postcode="39104",
            person__anschrift__city="Magdeburg",
            person__k1="a",
        ),
        data,
    )
    merged = {**data, **fragment}
    assert merged["person"]["p1"] == "Wert 1"
    assert merged["person"]["anschrift"]["city"] == "Magdeburg"
    assert merged["person"]["k2"] == ""  # every item of the page is posted
    # And the first page's post keeps the second page's answers.
    again = parse_page_post(definition, first, posted(person__p1="Neu"), merged)
    assert {**merged, **again}["person"]["anschrift"]["city"] == "Magdeburg"
    assert {**merged, **again}["person"]["p1"] == "Neu"


def test_each_page_reports_only_its_own_errors():
    definition = person_form()
    first, second = pages_of(definition)
    errors = validate(definition, {}, step_id="eins", today=TODAY).errors
    on_first = page_errors(definition, first, errors)
    on_second = page_errors(definition, second, errors)
    assert set(on_first) == {f"person.p{n}" for n in range(1, 9)}
    assert set(on_second) == {
        "person.anschrift.street",
        "person.anschrift.postcode",
        "person.anschrift.city",
        "person.k1",
        "person.k2",
    }
    # An error on the cut group itself belongs to its first page only.
    assert page_errors(definition, first, {"person": ["x"]}) == {"person": ["x"]}
    assert page_errors(definition, second, {"person": ["x"]}) == {}


def test_a_change_link_finds_the_page_of_an_answer():
    definition = person_form()
    pages = pages_of(definition)
    assert page_of_path(definition, pages, "person.p3").id == "eins"
    assert page_of_path(definition, pages, "person.anschrift").id == "eins-2"
    assert page_of_path(definition, pages, "person.anschrift.city").id == "eins-2"
    assert page_of_path(definition, pages, "gibt_es_nicht") is None


def test_an_entry_path_belongs_to_the_page_of_its_repeated_group():
    definition = form(
        *texts("a", 8),
        group("hunde", texts("h", 5), repeat={"min": 1, "max": 3, "item_label": "Hund"}),
    )
    pages = pages_of(definition)
    assert page_of_path(definition, pages, "hunde.2.h3").id == "eins-2"
    assert page_of_path(definition, pages, "hunde").id == "eins-2"


# --- the publish check -----------------------------------------------------------------------


def test_the_publish_check_accepts_what_the_cut_can_bring_under_the_limit():
    assert page_length_problems(form(*texts("f", 40))) == []
    assert page_length_problems(person_form()) == []


def test_the_publish_check_names_an_entry_above_the_limit():
    definition = form(group("hunde", texts("h", 11), repeat={"min": 1, "max": 3}))
    [message] = page_length_problems(definition)
    assert "Schritt „eins“" in message
    assert "11 Angaben" in message
    assert "„hunde“" in message


def test_the_publish_check_tries_the_answers_of_other_steps():
    # Either answer shows eight questions in the entry: within the rule. Both at once would
    # be sixteen, but "art" has one answer.
    entry = [
        *texts("r", 8, visible_if={"field": "art", "equals": "rot"}),
        *texts("g", 8, visible_if={"field": "art", "equals": "gruen"}),
    ]
    steps = [
        {"id": "art", "title": "Art", "items": [field("art", "choice", choices="farbe")]},
        {"id": "eins", "title": "Angaben",
         "items": [group("e", entry, repeat={"min": 1, "max": 2})]},
    ]  # fmt: skip
    assert page_length_problems(form(steps=steps)) == []
    # A field of any value (text) cannot be tried: its follow-ups count as shown.
    steps[0]["items"] = [field("art", "text")]
    for part in entry:
        part["visible_if"] = {"field": "art", "filled": True}
    [message] = page_length_problems(form(steps=steps))
    assert "16 Angaben" in message
