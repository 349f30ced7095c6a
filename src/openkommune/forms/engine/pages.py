"""The page-length rule: the engine cuts a step that asks more than `PAGE_INPUTS` inputs into
several pages (screens), whatever the definition says. Pure Python, no database access.

How a step is cut (docs/forms.md, "Page length"):
- Inputs are counted as a screen shows them at first sight (`rendering.screen_inputs`): an
  address four, a radio or checkbox group one, texts none, a follow-up of an answer on the
  same step none (it appears with that answer), an item hidden by answers on other steps
  none, a repeated group one entry.
- The units of the cut are the step's items; a group (fieldset) that alone exceeds the limit
  is opened into its own items (its sub-groups stay whole where they fit), so a page break
  falls on a group boundary where there is one. A repeated group is never cut: an entry is
  always on one page. A unit without inputs (a follow-up, a text) stays with the unit
  before it, so a follow-up is on its question's page.
- The step gets as few pages as the limit allows; among those cuts, one that starts pages
  at a topic (a group, an address, another group's items) rather than inside one, then the
  most even one. A group that is cut
  appears on each of its pages with its legend and the items of that page.
- The cut depends only on the data of other steps (their answers decide what is shown
  here), never on the answers of the step itself, so posting a page never moves the
  others. A page that shows nothing for the current answers is skipped.

Page ids: the first page has the step's id, the others `<step id>-<n>` (a step id has no
`-`), so links and drafts of steps without a cut stay as they were."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from openkommune.forms.engine.conditions import MISSING, UNKNOWN, condition_fields, possible
from openkommune.forms.engine.definition import Definition, Field, Group, Step
from openkommune.forms.engine.paths import entry_index
from openkommune.forms.engine.state import Visibility, visibility

# The page-length rule: at most this many inputs on one screen (counted as above). A step
# asking more is cut into pages by the engine; `page_length_problems` reports what cannot be
# cut below it (an entry of a repeated group, a single large field).
PAGE_INPUTS = 10
PAGE_SEPARATOR = "-"
# The publish check tries every combination of the answers on other steps that decide what a
# step shows, up to this many; beyond it, every such item counts as shown.
MAX_SCENARIOS = 256


@dataclass(frozen=True)
class Page:
    """One screen of a step: the step's items on it (a group cut over pages appears with
    only its items on this page). Used wherever a `Step` is rendered or posted."""

    id: str
    step: Step
    items: tuple
    number: int  # 1-based position among the cut pages of the step (the id's number)
    count: int  # how many pages the step was cut into
    inputs: int  # inputs counted for the rule
    part: int = 1  # position among the pages shown for the current answers
    parts: int = 1

    @property
    def step_id(self) -> str:
        return self.step.id

    @property
    def title(self) -> str:
        return self.step.title

    @property
    def help(self) -> str:
        return self.step.help

    @property
    def visible_if(self):
        return self.step.visible_if

    @property
    def on_check_page(self) -> bool:
        return self.step.on_check_page

    @property
    def is_cut(self) -> bool:
        return self.parts > 1


def page_id(step_id: str, number: int) -> str:
    return step_id if number == 1 else f"{step_id}{PAGE_SEPARATOR}{number}"


def split_page_id(value: str) -> tuple[str, int]:
    """(step id, page number) of a page id; number 0 when the id has no valid number."""
    step_id, separator, number = value.partition(PAGE_SEPARATOR)
    if not separator:
        return value, 1
    index = entry_index(number)
    return step_id, index if index and index > 1 else 0


def item_ids(items) -> set[str]:
    """The ids of the items and everything inside them (for a cut group: the group and the
    items on this page)."""
    out: set[str] = set()
    for item in items:
        out.add(item.id)
        if isinstance(item, Group):
            out |= item_ids(item.items)
    return out


# --- what a screen shows, for the cut --------------------------------------------------------

Lookup = Callable[[str, dict], object]


class _Shown:
    """Whether an item of a step is rendered and how many inputs it counts, given how the
    fields of other steps are known (`outside(name, ctx)`: a typed value, MISSING or
    UNKNOWN) and `step_visible(step_id)`. Fields of the step itself are answers still open."""

    def __init__(self, definition: Definition, own: set[str], outside: Lookup, step_visible):
        self.definition = definition
        self.own = own
        self.outside = outside
        self.step_visible = step_visible

    def lookup(self, name: str, ctx: dict):
        item = self.definition.items[name]
        if name in self.own and not (isinstance(item, Field) and item.not_asked):
            return UNKNOWN if self.renderable(name, ctx) else MISSING
        return self.outside(name, ctx)

    def renderable(self, item_id: str, ctx: dict) -> bool:
        """Whether the page shows an item: its condition may still hold. Answers on other
        steps are known; an answer on this page counts as any value, but only while the
        question itself is shown (a follow-up of a question hidden by an earlier answer is
        hidden too). A value the form or the platform sets is never shown."""
        location = self.definition.locations[item_id]
        if location.groups:
            if not self.renderable(location.groups[-1], ctx):
                return False
        elif not self.step_visible(location.step_id):
            return False
        item = self.definition.items[item_id]
        if isinstance(item, Field) and item.not_asked:
            return False
        return possible(item.visible_if, lambda name: self.lookup(name, ctx)) is not False

    def follow_up(self, item) -> bool:
        """Shown only after an answer on the same step (it counts no input)."""
        return any(
            name in self.own and not getattr(self.definition.items[name], "not_asked", False)
            for name in condition_fields(item.visible_if)
        )

    def inputs(self, item, ctx: dict) -> int:
        if not self.renderable(item.id, ctx) or (item.visible_if and self.follow_up(item)):
            return 0
        if isinstance(item, Field):
            if item.type == "info":
                return 0
            return 4 if item.type == "address" else 1
        inner = {**ctx, item.id: 0} if item.repeat else ctx
        return sum(self.inputs(child, inner) for child in item.items)

    def any_renderable(self, items, ctx: dict) -> bool:
        for item in items:
            if isinstance(item, Group) and item is not self.definition.items[item.id]:
                # A group cut over pages: shown here if one of its items on this page is.
                if self.renderable(item.id, ctx) and self.any_renderable(item.items, ctx):
                    return True
            elif self.renderable(item.id, ctx):
                return True
        return False


@dataclass
class _Unit:
    groups: tuple[str, ...]  # the groups cut open around the item, outermost first
    item: Field | Group
    inputs: int


def _units(shown: _Shown, items, groups: tuple[str, ...], limit: int) -> list[_Unit]:
    out: list[_Unit] = []
    for item in items:
        inputs = shown.inputs(item, {})
        if isinstance(item, Group) and item.repeat is None and inputs > limit:
            out.extend(_units(shown, item.items, (*groups, item.id), limit))
        else:
            out.append(_Unit(groups, item, inputs))
    return out


def _blocks(units: list[_Unit]) -> list[list[_Unit]]:
    """Units without inputs go with the unit before them (the first ones with the next)."""
    blocks: list[list[_Unit]] = []
    waiting: list[_Unit] = []
    for unit in units:
        if unit.inputs == 0:
            if blocks:
                blocks[-1].append(unit)
            else:
                waiting.append(unit)
            continue
        blocks.append([*waiting, unit])
        waiting = []
    if waiting:
        if blocks:
            blocks[-1].extend(waiting)
        else:
            blocks.append(waiting)
    return blocks


def _topic_start(block: list[_Unit], before: list[_Unit] | None) -> bool:
    """Whether a page may well begin with this block: a group (fieldset), an address, or
    the first item of another group than the block before."""
    unit = next((unit for unit in block if unit.inputs), block[0])
    if isinstance(unit.item, Group) or getattr(unit.item, "type", "") == "address":
        return True
    return before is not None and before[-1].groups != unit.groups


def _partition(sizes: list[int], starts: list[bool], limit: int) -> list[list[int]]:
    """The blocks cut into chunks of at most `limit` inputs (a block above it alone): as
    few chunks as possible, then as few cuts inside a topic as possible (`starts`: whether
    a chunk may well begin at a block), then the largest chunk as small as possible."""
    count = len(sizes)
    # best[i]: (chunks, cuts inside a topic, largest chunk, where the last chunk begins)
    best: list[tuple | None] = [(0, 0, 0, 0)] + [None] * count
    for end in range(1, count + 1):
        total = 0
        for begin in range(end - 1, -1, -1):
            total += sizes[begin]
            if total > limit and begin < end - 1:
                break
            previous = best[begin]
            if previous is None:
                continue
            penalty = previous[1] + (0 if begin == 0 or starts[begin] else 1)
            candidate = (previous[0] + 1, penalty, max(previous[2], total), begin)
            if best[end] is None or candidate[:3] < best[end][:3]:
                best[end] = candidate
    chunks: list[list[int]] = []
    end = count
    while end > 0:
        begin = best[end][3]
        chunks.insert(0, list(range(begin, end)))
        end = begin
    return chunks


def _assemble(definition: Definition, units: list[_Unit], depth: int = 0) -> tuple:
    """The page's items from its units: consecutive units of a cut group become that group
    with only these items."""
    out = []
    index = 0
    while index < len(units):
        unit = units[index]
        if len(unit.groups) <= depth:
            out.append(unit.item)
            index += 1
            continue
        group_id = unit.groups[depth]
        end = index
        while (
            end < len(units)
            and len(units[end].groups) > depth
            and units[end].groups[depth] == group_id
        ):
            end += 1
        group = definition.items[group_id]
        out.append(replace(group, items=_assemble(definition, units[index:end], depth + 1)))
        index = end
    return tuple(out)


def _cut(definition: Definition, step: Step, shown: _Shown, limit: int) -> list[Page]:
    if step.on_check_page:
        inputs = sum(shown.inputs(item, {}) for item in step.items)
        return [Page(step.id, step, step.items, 1, 1, inputs)]
    blocks = _blocks(_units(shown, step.items, (), limit))
    if not blocks:
        return [Page(step.id, step, step.items, 1, 1, 0)]
    sizes = [sum(unit.inputs for unit in block) for block in blocks]
    starts = [_topic_start(block, blocks[i - 1] if i else None) for i, block in enumerate(blocks)]
    chunks = _partition(sizes, starts, limit)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        units = [unit for index in chunk for unit in blocks[index]]
        items = step.items if len(chunks) == 1 else _assemble(definition, units)
        inputs = sum(sizes[index] for index in chunk)
        pages.append(Page(page_id(step.id, number), step, items, number, len(chunks), inputs))
    return pages


def shown_items(definition: Definition, step, visible: Visibility) -> _Shown:
    """What a page of `step` (a step or a page of it) renders, with the answers of other
    steps from `visible` (the cut, and `rendering` for the page itself)."""
    return _Shown(definition, item_ids(step.items), visible.effective, visible.step_visible)


def step_pages(
    definition: Definition, step: Step, data, *, today=None, limit: int = PAGE_INPUTS, shown=None
) -> list[Page]:
    """The pages of `step` for these answers (raw or cleaned data of the whole form), without
    those that show nothing. A step of declarations only (`Step.on_check_page`) is one page."""
    visible = shown or visibility(definition, data or {}, today=today)
    checker = shown_items(definition, step, visible)
    pages = [
        page
        for page in _cut(definition, step, checker, limit)
        if page.count == 1 or checker.any_renderable(page.items, {})
    ]
    return [replace(page, part=index, parts=len(pages)) for index, page in enumerate(pages, 1)]


def visible_pages(definition: Definition, data, *, today=None, limit: int = PAGE_INPUTS):
    """Every page of the shown steps, in order (the declarations' step included as one page:
    callers that ask it on the check page leave it out with `page.on_check_page`)."""
    visible = visibility(definition, data or {}, today=today)
    return [
        page
        for step in definition.steps
        if visible.step_visible(step.id)
        for page in step_pages(definition, step, data, limit=limit, shown=visible)
    ]


def find_page(pages: list[Page], value: str) -> Page | None:
    return next((page for page in pages if page.id == value), None)


# --- posts and errors of a page --------------------------------------------------------------


def _merge_cut(definition: Definition, items, fragment: dict, data) -> dict:
    """`fragment` with each cut group's value completed from `data` (the items of its other
    pages), so that merging it into the draft replaces only this page's answers."""
    data = data if isinstance(data, dict) else {}
    out = dict(fragment)
    for item in items:
        if isinstance(item, Group) and item is not definition.items[item.id]:
            earlier = data.get(item.id)
            earlier = earlier if isinstance(earlier, dict) else {}
            posted = fragment.get(item.id) if isinstance(fragment.get(item.id), dict) else {}
            out[item.id] = {**earlier, **_merge_cut(definition, item.items, posted, earlier)}
    return out


def parse_page_post(definition: Definition, page: Page, post, data=None) -> dict:
    """Like `parse_step_post`, for one page: every item of the page (empty ones as ""/[]),
    and a group cut over pages complete with the answers of its other pages from `data`."""
    from openkommune.forms.engine import post_items

    return _merge_cut(definition, page.items, post_items(page.items, post), data)


def _owner_id(definition: Definition, path: str) -> str | None:
    """The innermost item a path names (`person.anschrift.city` → `anschrift`)."""
    owner = None
    for segment in path.split("."):
        if entry_index(segment) is not None and owner is not None:
            continue
        item = definition.items.get(segment)
        if item is None:
            break
        owner = segment
        if isinstance(item, Field):
            break
    return owner


def owns(definition: Definition, page: Page, path: str) -> bool:
    """Whether an error at `path` belongs on this page. An error on a group cut over pages
    belongs to the group's first page."""
    owner = _owner_id(definition, path)
    if owner is None or owner not in item_ids(page.items):
        return False
    on_page = _inside(page.items, owner)
    if isinstance(on_page, Group) and on_page is not definition.items[owner]:
        return _first_leaf(definition.items[owner]) in item_ids(page.items)
    return True


def _inside(items, item_id: str):
    for item in items:
        if item.id == item_id:
            return item
        if isinstance(item, Group):
            found = _inside(item.items, item_id)
            if found is not None:
                return found
    return None


def _first_leaf(group: Group) -> str:
    first = group.items[0]  # the JSON Schema asks for at least one item
    return _first_leaf(first) if isinstance(first, Group) and first.repeat is None else first.id


def page_errors(definition: Definition, page: Page, errors: dict[str, list[str]]) -> dict:
    """The errors of `errors` (of the step or the whole form) that belong on this page."""
    return {path: texts for path, texts in errors.items() if owns(definition, page, path)}


def page_of_path(definition: Definition, pages: list[Page], path: str) -> Page | None:
    """The page where the answer at `path` is asked (for "Ändern" and error links)."""
    return next((page for page in pages if owns(definition, page, path)), None)


# --- the rule as a check of a definition -----------------------------------------------------


def _scenario_values(definition: Definition, name: str) -> list:
    field = definition.items.get(name)
    if not isinstance(field, Field):
        return [UNKNOWN]
    if field.type == "boolean":
        return [True, False, MISSING]
    if field.type == "choice":
        return [*definition.code_list(field).codes, MISSING]
    if field.type == "multichoice":
        return [[code] for code in definition.code_list(field).codes] + [MISSING]
    return [UNKNOWN]  # any value: items depending on it count as shown


def _outside_triggers(definition: Definition, step: Step) -> list[str]:
    own = item_ids(step.items)
    names: list[str] = []

    def walk(items):
        for item in items:
            for name in condition_fields(item.visible_if):
                if name not in own and name not in names:
                    names.append(name)
            if isinstance(item, Group):
                walk(item.items)

    walk(step.items)
    return names


def page_length_problems(definition: Definition, *, limit: int = PAGE_INPUTS) -> list[str]:
    """German messages for every screen that stays above the page-length rule after the
    engine's cut, for any combination of the answers on other steps that decide what the
    step shows (an entry of a repeated group or a single field cannot be cut). Empty when
    every page keeps to the rule: the publish check of the form studio."""
    messages: list[str] = []
    for step in definition.steps:
        if step.on_check_page:
            continue
        own = item_ids(step.items)
        triggers = _outside_triggers(definition, step)
        options = [_scenario_values(definition, name) for name in triggers]
        combinations = 1
        for values in options:
            combinations *= len(values)
        if combinations > MAX_SCENARIOS:
            options = [[UNKNOWN] for _name in triggers]
        worst: dict[str, int] = {}
        for values in itertools.product(*options):
            known = dict(zip(triggers, values, strict=True))
            shown = _Shown(
                definition, own, lambda name, _ctx, k=known: k.get(name, UNKNOWN), lambda _s: True
            )
            for page in _cut(definition, step, shown, limit):
                if page.inputs > limit:
                    names = ", ".join(f"„{item.id}“" for item in page.items)
                    worst[names] = max(worst.get(names, 0), page.inputs)
        for names, inputs in worst.items():
            messages.append(
                _(
                    "Schritt „%(step)s“: Eine Seite fragt %(inputs)d Angaben ab, mehr als die "
                    "%(limit)d der Seitenlängen-Regel, und lässt sich nicht weiter teilen "
                    "(%(items)s). Teilen Sie den Eintrag oder die Gruppe in kleinere Gruppen."
                )
                % {"step": step.id, "inputs": inputs, "limit": limit, "items": names}
            )
    return messages
