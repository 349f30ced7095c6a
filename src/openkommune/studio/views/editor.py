"""The studio's pages (cooperative staff only, ADR 0024): thin, each calls `forms.services`
or `studio.services`. Without JavaScript: moving is a button, deleting asks first."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openkommune.accounts.access import cooperative_staff_page
from openkommune.core.forms import add_service_errors, flash_outcome, render_form
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.models import FormDefinition, FormVersion
from openkommune.forms.services import (
    form_version_draft_from,
    form_version_retire,
    form_version_return_to_draft,
    form_version_submit_review,
)
from openkommune.studio import editing, selectors, services
from openkommune.studio.diff import definition_diff
from openkommune.studio.forms import (
    FieldForm,
    FormSettingsForm,
    GroupForm,
    NewFieldForm,
    NewFormForm,
    NewGroupForm,
    NewStepForm,
    StepForm,
)
from openkommune.studio.gate import publish_gate

PAGE_SIZE = 25


def _form_or_404(key: str) -> FormDefinition:
    try:
        return selectors.studio_form_get(key=key)
    except FormDefinition.DoesNotExist:
        raise Http404(_("Dieses Formular gibt es nicht.")) from None


def version_or_404(key: str, number: int) -> FormVersion:
    version = (
        FormVersion.objects.select_related("form", "edited_by")
        .filter(form__key=key, number=number)
        .first()
    )
    if version is None:
        raise Http404(_("Diese Version gibt es nicht."))
    return version


def _version_url(version: FormVersion, anchor: str = ""):
    response = redirect("studio:version", key=version.form.key, number=version.number)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@cooperative_staff_page
@require_GET
def index(request):
    sort = request.GET.get("sortierung", "schluessel")
    sort = sort if sort in selectors.SORTS else "schluessel"
    page = Paginator(selectors.studio_form_list(sort=sort), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    return render(
        request,
        "studio/index.html",
        {
            "page": page,
            "sort": sort,
            "sorts": [
                ("schluessel", _("Schlüssel")),
                ("titel", _("Titel")),
                ("geaendert", _("zuletzt geändert")),
            ],
        },
    )


@cooperative_staff_page
def form_new(request):
    form = NewFormForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.studio_form_create(
                actor=request.user,
                key=data["key"],
                title=data["title"].strip(),
                leika_keys=data["leika_keys"],
                step_title=data["step_title"].strip(),
                first_label=data["first_label"].strip(),
                first_type=data["first_type"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Das Formular ist als Entwurf angelegt."))
            return _version_url(version)
    return render_form(
        request,
        "studio/edit.html",
        form,
        {
            "title": _("Neues Formular"),
            "back_url": "studio:index",
            "submit": _("Formular anlegen"),
        },
    )


@cooperative_staff_page
@require_GET
def form_detail(request, key: str):
    form = _form_or_404(key)
    versions = list(selectors.studio_versions(form=form))
    numbers = [v.number for v in versions]
    return render(
        request,
        "studio/form.html",
        {
            "form_definition": form,
            "versions": versions,
            "numbers": numbers,
            "newest": versions[0] if versions else None,
        },
    )


@cooperative_staff_page
@require_GET
def version_detail(request, key: str, number: int):
    version = version_or_404(key, number)
    definition = version.definition
    gate = None
    latest_run = passed_run = None
    if version.status in (FormVersionStatus.DRAFT, FormVersionStatus.IN_REVIEW):
        gate = publish_gate(definition)
        latest_run = version.gate_runs.order_by("-created_at").first()
        passed_run = services.gate_run_passed(version=version)
    return render(
        request,
        "studio/version.html",
        {
            "version": version,
            "definition": definition,
            "editable": version.is_editable,
            "steps": _structure(definition),
            "gate": gate,
            "latest_run": latest_run,
            "latest_run_current": latest_run is not None
            and latest_run.definition_sha256 == services.definition_sha256(definition),
            "passed_run": passed_run,
            "may_publish": version.status == FormVersionStatus.IN_REVIEW
            and version.edited_by_id != request.user.pk,
        },
    )


def _structure(definition: dict) -> list[dict]:
    """Steps with their items flattened in page order (depth for indentation)."""
    steps = []
    for index, step in enumerate(definition["steps"]):
        rows = []
        for place in editing.walk(step["items"], step):
            rows.append(
                {
                    "item": place.item,
                    "name": place.item.get("label") or place.item.get("title", ""),
                    "is_group": place.item.get("kind") == "group",
                    "repeat": place.item.get("repeat"),
                    "has_condition": "visible_if" in place.item,
                    "required_if": "required_if" in place.item,
                    "required": bool(place.item.get("required") or place.item.get("must_be_true")),
                    "type": place.item.get("type", ""),
                    "depth": len(place.groups),
                    "first": place.index == 0,
                    "last": place.index == len(place.container) - 1,
                }
            )
        steps.append(
            {
                "step": step,
                "has_condition": "visible_if" in step,
                "rows": rows,
                "first": index == 0,
                "last": index == len(definition["steps"]) - 1,
            }
        )
    return steps


def _draft_or_redirect(request, key: str, number: int):
    version = version_or_404(key, number)
    if not version.is_editable:
        messages.error(
            request, _("Nur ein Entwurf lässt sich bearbeiten. Legen Sie einen neuen Entwurf an.")
        )
        return version, _version_url(version)
    return version, None


def _edit_page(request, version, form, *, title: str, save, anchor: str = "", notes=None):
    """Show `form`; on a valid POST build the new definition with `save()` and store it."""
    if request.method == "POST" and form.is_valid():
        try:
            definition, change = save()
            if form.errors:
                raise ValidationError(_("Bitte prüfen Sie die Angaben."))
            services.studio_edit(
                actor=request.user, version=version, definition=definition, change=change
            )
        except editing.EditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            if not form.errors:
                add_service_errors(form, error)
        else:
            messages.success(request, _("Gespeichert."))
            for note in notes or ():
                # What the edit changed besides the item (e.g. conditions rewritten).
                messages.info(request, note)
            return _version_url(version, anchor)
    return render_form(
        request,
        "studio/edit.html",
        form,
        {
            "title": title,
            "version": version,
            "submit": _("Speichern"),
        },
    )


@cooperative_staff_page
def settings_edit(request, key: str, number: int):
    version, refused = _draft_or_redirect(request, key, number)
    if refused:
        return refused
    form = FormSettingsForm(request.POST or None, definition=version.definition)
    return _edit_page(
        request,
        version,
        form,
        title=_("Formular: Titel, LeiKa, Antragstellerin, Regeln"),
        save=lambda: (form.apply(), _("Angaben zum Formular geändert")),
    )


@cooperative_staff_page
def step_new(request, key: str, number: int):
    version, refused = _draft_or_redirect(request, key, number)
    if refused:
        return refused
    definition = version.definition
    form = NewStepForm(
        request.POST or None,
        definition=definition,
        condition_fields=[
            p
            for p in editing.places(definition)
            if p.item.get("kind") == "field" and p.item.get("type") != "info"
        ],
    )

    def save():
        data = form.cleaned_data
        step = form.step()
        step["id"] = data["item_id"] or editing.unique_id(
            definition, editing.slug(data["title"], fallback="schritt")
        )
        with_step = {**definition, "steps": [*definition["steps"], {"id": step["id"], "items": []}]}
        step["items"] = [
            services.first_field(data["first_label"].strip(), data["first_type"], with_step)
        ]
        return editing.add_step(definition, step), _("Schritt „%(id)s“ angelegt") % {
            "id": step["id"]
        }

    return _edit_page(request, version, form, title=_("Neuer Schritt"), save=save)


@cooperative_staff_page
def step_edit(request, key: str, number: int, step_id: str):
    version, refused = _draft_or_redirect(request, key, number)
    if refused:
        return refused
    definition = version.definition
    try:
        _index, step = editing.find_step(definition, step_id)
    except editing.EditError:
        raise Http404(_("Diesen Schritt gibt es nicht.")) from None
    form = StepForm(
        request.POST or None,
        definition=definition,
        original=step,
        condition_fields=editing.fields_before(definition, step_id=step_id),
    )
    return _edit_page(
        request,
        version,
        form,
        title=_("Schritt „%(title)s“ bearbeiten") % {"title": step["title"]},
        save=lambda: (
            editing.replace_step(definition, step_id, form.step()),
            _("Schritt „%(id)s“ geändert") % {"id": step_id},
        ),
        anchor=f"schritt-{step_id}",
    )


def _item_form(kind: str, request, definition, **kwargs):
    if kind == "group":
        return (NewGroupForm if "original" not in kwargs else GroupForm)(
            request.POST or None, definition=definition, **kwargs
        )
    return (NewFieldForm if "original" not in kwargs else FieldForm)(
        request.POST or None, definition=definition, **kwargs
    )


def _field_result(form, definition: dict, item_id: str):
    field, code_list = form.field(item_id)
    if code_list is not None:
        definition = editing.set_code_list(definition, code_list[0], field["label"], code_list[1])
    return field, definition


@cooperative_staff_page
def item_new(request, key: str, number: int, parent: str, parent_id: str, kind: str):
    version, refused = _draft_or_redirect(request, key, number)
    if refused:
        return refused
    definition = version.definition
    kind = {"feld": "field", "gruppe": "group"}.get(kind)
    is_step = parent == "schritt"
    try:
        if is_step:
            editing.find_step(definition, parent_id)
        elif editing.find(definition, parent_id).item.get("kind") != "group":
            raise editing.EditError(parent_id)
    except editing.EditError:
        raise Http404(_("Diesen Schritt oder diese Gruppe gibt es nicht.")) from None
    if kind is None:
        raise Http404(_("Diese Art von Element gibt es nicht."))
    fields = editing.fields_through(
        definition, **({"step_id": parent_id} if is_step else {"group_id": parent_id})
    )
    owner_repeats: tuple[str, ...] = ()
    if not is_step:
        parent_place = editing.find(definition, parent_id)
        owner_repeats = tuple(g["id"] for g in parent_place.groups if "repeat" in g)
        owner_repeats += (parent_id,) if "repeat" in parent_place.item else ()
    form = _item_form(
        kind, request, definition, condition_fields=fields, owner_repeats=owner_repeats
    )

    def save():
        data = form.cleaned_data
        label = data.get("label") or data.get("title")
        item_id = data["item_id"] or editing.unique_id(definition, editing.slug(label))
        target = definition
        if kind == "group":
            item = form.group()
            item["id"] = item_id
            with_group = {
                **definition,
                "steps": [*definition["steps"], {"id": "_", "items": [{"id": item_id}]}],
            }
            item["items"] = [
                services.first_field(data["first_label"].strip(), data["first_type"], with_group)
            ]
        else:
            item, target = _field_result(form, definition, item_id)
            item["id"] = item_id
        item = {"kind": item.pop("kind"), "id": item.pop("id"), **item}
        return (
            editing.add_item(target, parent_id, item, parent_is_step=is_step),
            _("Element „%(id)s“ angelegt") % {"id": item_id},
        )

    return _edit_page(
        request,
        version,
        form,
        title=_("Neue Gruppe") if kind == "group" else _("Neues Feld"),
        save=save,
    )


@cooperative_staff_page
def item_edit(request, key: str, number: int, item_id: str):
    version, refused = _draft_or_redirect(request, key, number)
    if refused:
        return refused
    definition = version.definition
    try:
        place = editing.find(definition, item_id)
    except editing.EditError:
        raise Http404(_("Dieses Element gibt es nicht.")) from None
    item = place.item
    form = _item_form(
        item["kind"],
        request,
        definition,
        original=item,
        condition_fields=editing.fields_before(definition, item_id=item_id),
    )

    notes: list[str] = []

    def save():
        if item["kind"] == "group":
            new, target = form.group(), definition
        else:
            new, target = _field_result(form, definition, item_id)
        result = editing.replace_item(target, item_id, new)
        change = _("Element „%(id)s“ geändert") % {"id": item_id}
        adjusted = [i for i in editing.changed_conditions(target, result) if i != item_id]
        notes.clear()
        if adjusted:
            # A group made (non-)repeatable: the conditions naming it were rewritten.
            note = _(
                "Die Bedingungen, die diese Gruppe oder ihre Felder nennen, wurden angepasst, "
                "damit sie dasselbe bedeuten: %(ids)s"
            ) % {"ids": ", ".join(f"„{i}“" for i in adjusted)}
            notes.append(note)
            change += "; " + note
        return result, change

    name = item.get("label") or item.get("title")
    return _edit_page(
        request,
        version,
        form,
        title=_("„%(name)s“ bearbeiten") % {"name": name},
        save=save,
        anchor=f"element-{item_id}",
        notes=notes,
    )


@cooperative_staff_page
@require_POST
def move(request, key: str, number: int):
    version, refused = _draft_or_redirect(request, key, number)
    if refused:
        return refused
    step_id, item_id = request.POST.get("schritt", ""), request.POST.get("element", "")
    up = request.POST.get("richtung") == "hoch"
    if not step_id and not item_id:
        raise Http404
    flash_outcome(
        request,
        lambda: services.studio_apply(
            actor=request.user,
            version=version,
            operation=lambda d: editing.move(d, step_id=step_id, item_id=item_id, up=up),
            change=_("„%(id)s“ verschoben") % {"id": step_id or item_id},
        ),
        success=_("Verschoben."),
    )
    return _version_url(version, f"schritt-{step_id}" if step_id else f"element-{item_id}")


@cooperative_staff_page
def delete(request, key: str, number: int, what: str, target_id: str):
    version, refused = _draft_or_redirect(request, key, number)
    if refused:
        return refused
    definition = version.definition
    try:
        if what == "schritt":
            name = editing.find_step(definition, target_id)[1]["title"]
        else:
            found = editing.find(definition, target_id).item
            name = found.get("label") or found.get("title")
    except editing.EditError:
        raise Http404(_("Dieses Element gibt es nicht.")) from None
    kwargs = {"step_id": target_id} if what == "schritt" else {"item_id": target_id}
    if request.method == "POST":
        ok = flash_outcome(
            request,
            lambda: services.studio_apply(
                actor=request.user,
                version=version,
                operation=lambda d: editing.delete(d, **kwargs),
                change=_("„%(id)s“ gelöscht") % {"id": target_id},
            ),
            success=_("Gelöscht."),
        )
        return _version_url(version, "" if ok else f"element-{target_id}")
    return render(
        request,
        "studio/confirm.html",
        {
            "title": _("„%(name)s“ löschen?") % {"name": name},
            "text": _("Der Schritt wird mit allen Feldern gelöscht.")
            if what == "schritt"
            else _(
                "Das Element wird aus dem Entwurf gelöscht (bei einer Gruppe mit allen Feldern)."
            ),
            "confirm": _("Endgültig löschen"),
            "version": version,
        },
    )


@cooperative_staff_page
@require_POST
def new_draft(request, key: str, number: int):
    version = version_or_404(key, number)
    try:
        draft = form_version_draft_from(actor=request.user, version=version)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("studio:form", key=key)
    messages.success(
        request, _("Sie bearbeiten jetzt den Entwurf Version %(n)d.") % {"n": draft.number}
    )
    return _version_url(draft)


@cooperative_staff_page
@require_POST
def submit_review(request, key: str, number: int):
    version = version_or_404(key, number)
    gate = publish_gate(version.definition)
    if not gate.passed:
        messages.error(
            request,
            _("Bitte beheben Sie zuerst die Befunde der Prüfungen vor dem Veröffentlichen."),
        )
        return _version_url(version, "pruefungen")
    flash_outcome(
        request,
        lambda: form_version_submit_review(actor=request.user, version=version),
        success=_("Die Version ist zur Prüfung gegeben. Eine andere Person veröffentlicht sie."),
    )
    return _version_url(version)


@cooperative_staff_page
@require_POST
def return_to_draft(request, key: str, number: int):
    version = version_or_404(key, number)
    flash_outcome(
        request,
        lambda: form_version_return_to_draft(actor=request.user, version=version),
        success=_("Die Version ist zurück in der Bearbeitung."),
    )
    return _version_url(version)


@cooperative_staff_page
def publish(request, key: str, number: int):
    version = version_or_404(key, number)
    if request.method == "POST":
        if flash_outcome(
            request,
            lambda: services.studio_publish(actor=request.user, version=version),
            success=_("Veröffentlicht. Neue Anträge beginnen mit dieser Version."),
        ):
            return redirect("studio:form", key=key)
        return _version_url(version)
    return render(
        request,
        "studio/confirm.html",
        {
            "title": _("Version %(n)d veröffentlichen?") % {"n": version.number},
            "text": _(
                "Neue Anträge beginnen dann mit dieser Version; laufende Anträge bleiben "
                "bei ihrer Version."
            ),
            "confirm": _("Veröffentlichen"),
            "version": version,
            "gate": publish_gate(version.definition),
            "gate_run_missing": services.gate_run_passed(version=version) is None,
        },
    )


@cooperative_staff_page
def retire(request, key: str, number: int):
    version = version_or_404(key, number)
    if request.method == "POST":
        flash_outcome(
            request,
            lambda: form_version_retire(actor=request.user, version=version),
            success=_("Die Version ist zurückgezogen."),
        )
        return redirect("studio:form", key=key)
    return render(
        request,
        "studio/confirm.html",
        {
            "title": _("Version %(n)d zurückziehen?") % {"n": version.number},
            "text": _(
                "Danach beginnt kein neuer Antrag mehr mit dieser Version; begonnene "
                "Anträge behalten sie."
            ),
            "confirm": _("Zurückziehen"),
            "version": version,
        },
    )


@cooperative_staff_page
@require_GET
def compare(request, key: str):
    form = _form_or_404(key)
    versions = {v.number: v for v in selectors.studio_versions(form=form)}
    try:
        old, new = (
            versions[int(request.GET.get("von", ""))],
            versions[int(request.GET.get("bis", ""))],
        )
    except (KeyError, ValueError):
        messages.error(request, _("Bitte wählen Sie zwei vorhandene Versionen."))
        return redirect("studio:form", key=key)
    return render(
        request,
        "studio/diff.html",
        {
            "form_definition": form,
            "old": old,
            "new": new,
            "changes": definition_diff(old.definition, new.definition),
        },
    )
