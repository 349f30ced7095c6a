"""The citizen journey: start for a service and a place, one step per screen, check your
answers, submit; then receipt, status and files. Server-rendered and complete without
JavaScript. Thin: state changes are services, reads are selectors; `journey` brings the
applicant's credential (user, session, link token) to them."""

from __future__ import annotations

import uuid
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts.access import private
from openkommune.catalog.models import OzgLeistung
from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.core.uploads import limit_upload_size, oversized_uploads
from openkommune.forms.engine import (
    Field,
    answers,
    apply_repeat_action,
    field_dom_id,
    find_page,
    page_errors,
    page_of_path,
    parse_page_post,
    parse_step_post,
    split_page_id,
    validate,
)
from openkommune.forms.selectors import form_for_leistung, version_definition
from openkommune.identity.selectors import level_name, session_level
from openkommune.regions.selectors import gemeinden_for_postcode
from openkommune.submissions import selectors, services
from openkommune.submissions.forms import LocationForm, ResumeEmailForm, StartForm
from openkommune.submissions.models import Application, Attachment, Draft
from openkommune.submissions.selectors import journey
from openkommune.submissions.services import hooks
from openkommune.submissions.services.identity_prefill import prefill_notes
from openkommune.submissions.services.prefill import PrefillContext, prefill_values
from openkommune.submissions.services.receipts import berlin_time_text
from openkommune.submissions.services.uploads import get_path, set_path

STEP_ACTIONS = ("weiter", "zurueck", "speichern")


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _not_offered(request, leistung: OzgLeistung | None, message: str):
    return render(
        request, "submissions/not_offered.html", {"leistung": leistung, "message": message}
    )


def _step_up(request, leistung, refused, next_url: str):
    """The service needs a BundID login at a higher level than this session's: say so and
    offer the login at that level, coming back to `next_url`."""
    login_url = (
        reverse("identity:login") + "?" + urlencode({"niveau": refused.required, "next": next_url})
    )
    return render(
        request,
        "submissions/step_up.html",
        {
            "leistung": leistung,
            "message": refused.message,
            "required": refused.required,
            "required_name": level_name(refused.required),
            "current_name": level_name(refused.current),
            "login_url": login_url,
        },
        status=403,
    )


def _expired(request):
    return private(render(request, "submissions/link_expired.html", status=410))


# --- start ---------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def start(request, ozg_id: str):
    """Start an application for a place. The service page posts here ("Online beantragen"
    with postcode and Gemeinde): the draft starts at once and the applicant lands on the
    form's first screen, with what the platform knows already filled in. A GET (a link
    without a place) asks for the postcode, and where a postcode spans several Gemeinden,
    for the Gemeinde. No e-mail address is asked here: the form's contact step asks it."""
    try:
        leistung = ozg_leistung_get(ozg_id=ozg_id)
    except OzgLeistung.DoesNotExist:
        raise Http404(_("Diese Leistung gibt es nicht.")) from None
    version = form_for_leistung(ozg_leistung=leistung)
    if version is None:
        message = _(
            "Für die Leistung „%(service)s“ gibt es auf dieser Plattform noch kein Online-Formular."
        ) % {"service": leistung.name}
        return _not_offered(request, leistung, message)
    definition = version_definition(version)
    source = request.POST if request.method == "POST" else request.GET
    bound = "plz" in source
    location = LocationForm(source if bound else None, gemeinde_required="gemeinde_wahl" in source)
    context = {"leistung": leistung, "definition": definition, "location": location}
    if not bound or not location.is_valid():
        if "plz" in getattr(location, "cleaned_data", {}):
            # Only the choice of the Gemeinde is missing: offer it again.
            postcode = location.cleaned_data["plz"]
            choices = gemeinden_for_postcode(postcode=postcode)
            if len(choices) > 1:
                context.update(postcode=postcode, gemeinde_choices=choices)
        return render(request, "submissions/start.html", context, status=_form_status(request))

    postcode, chosen = location.cleaned_data["plz"], location.cleaned_data["ars"]
    gemeinden = gemeinden_for_postcode(postcode=postcode)
    if chosen:
        gemeinden = [g for g in gemeinden if g.ars == chosen] or gemeinden
    if not gemeinden:
        location.add_error(
            "plz",
            _("Zur Postleitzahl %(plz)s kennen wir keine Gemeinde. Bitte prüfen Sie die Eingabe.")
            % {"plz": postcode},
        )
        return render(request, "submissions/start.html", context, status=_form_status(request))
    if len(gemeinden) > 1:
        context.update(postcode=postcode, gemeinde_choices=gemeinden)
        return render(request, "submissions/start.html", context)

    gemeinde = gemeinden[0]
    try:
        responsibility = services.offered_responsibility(ozg_leistung=leistung, gemeinde=gemeinde)
    except services.ServiceNotOffered as refused:
        return _not_offered(request, leistung, refused.message)
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        known = prefill_values(
            PrefillContext(user=user, session=request.session, gemeinde=gemeinde, postcode=postcode)
        )
        try:
            draft, token = services.draft_start(
                actor=request.user,
                form_version=version,
                ozg_leistung=leistung,
                gemeinde=gemeinde,
                trust_level=session_level(request),
                prefill=known,
            )
        except services.TrustLevelTooLow as refused:
            next_url = f"{request.path}?{urlencode({'plz': postcode, 'ars': gemeinde.ars})}"
            return _step_up(request, leistung, refused, next_url)
        except services.ServiceNotOffered as refused:
            return _not_offered(request, leistung, refused.message)
        journey.grant_draft(request, draft, token)
        return redirect(
            "submissions:step",
            public_id=draft.public_id,
            step_id=journey.resume_step(definition, draft),
        )
    context.update(
        postcode=postcode,
        gemeinde=gemeinde,
        responsibility=responsibility,
        activation=responsibility.activation,
        start_panels=hooks.start_panels(responsibility, version),
        required_trust_level=services.required_trust_level(
            responsibility=responsibility, form=version.form
        ),
        form=StartForm(initial={"plz": postcode, "ars": gemeinde.ars}),
        login_url=reverse("accounts:login")
        + "?"
        + urlencode(
            {"next": f"{request.path}?{urlencode({'plz': postcode, 'ars': gemeinde.ars})}"}
        ),
    )
    return render(request, "submissions/start.html", context)


def _form_status(request) -> int:
    # A post with errors answers 422 (core.forms.render_form does the same).
    return 422 if request.method == "POST" else 200


# --- the draft's pages ---------------------------------------------------------------------


def _draft_page(view):
    """Load the draft for this request (404 for anyone else, a clear page for an expired
    link); a draft already submitted leads to its receipt."""

    @wraps(view)
    def wrapper(request, public_id, *args, **kwargs):
        try:
            draft = journey.draft_for_request(request, public_id)
        except services.DraftExpired:
            return _expired(request)
        except Draft.DoesNotExist:
            if not request.user.is_authenticated and selectors.draft_needs_login(
                public_id=public_id
            ):
                # A link to an account's draft, opened after logout: log in, then on.
                return redirect_to_login(request.get_full_path())
            raise Http404(_("Diesen Antrag gibt es nicht.")) from None
        if draft.is_submitted:
            return _to_receipt(request, draft.submitted_application)
        try:
            return view(request, draft, *args, **kwargs)
        except services.DraftAlreadySubmitted:
            # Submitted meanwhile (another tab): load it again, which leads to the receipt.
            return redirect(request.path)

    return never_cache(wrapper)


def _to_receipt(request, application: Application):
    # Whoever holds the draft is its applicant: the receipt is theirs to see.
    journey.grant_application(request, application)
    return redirect("submissions:receipt", reference=application.reference)


def _file_names(draft: Draft, attachments=None) -> dict[str, str]:
    if attachments is None:
        attachments = selectors.draft_attachments(draft=draft)
    return {str(a.public_id): a.download_name for a in attachments}


def _is_file_path(definition, path: str) -> bool:
    item = definition.items.get(path.rsplit(".", 1)[-1])
    return isinstance(item, Field) and item.type == "file"


def _merge(*error_maps) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for errors in error_maps:
        for path, texts in errors.items():
            merged.setdefault(path, []).extend(texts)
    return merged


def _upload_files(request, draft, step, fragment) -> dict[str, list[str]]:
    """Store the files chosen on this step; a rejected one leaves the field as it was and
    its message goes to the field."""
    own = {item.id for item in step.items}
    errors: dict[str, list[str]] = {}

    def refuse(path: str, rejected: services.UploadRejected) -> None:
        for field_path, field_messages in (rejected.fields or {path: []}).items():
            errors.setdefault(field_path, []).extend(field_messages or [rejected.message])
        previous = get_path(draft.data, path)
        if previous:  # the file uploaded before stays
            set_path(fragment, path, previous)

    posted = list(request.FILES.items())  # reads the post, filling oversized_uploads
    # Files the upload handler skipped while reading the post: too large to store at all.
    for path, file_name in oversized_uploads(request).items():
        if path.split(".", 1)[0] in own:
            refuse(
                path,
                services.oversized_upload_rejection(draft=draft, path=path, file_name=file_name),
            )
    for path, uploaded in posted:
        if path.split(".", 1)[0] not in own:
            continue
        try:
            attachment = services.draft_attach_file(draft=draft, path=path, uploaded_file=uploaded)
        except services.UploadRejected as rejected:
            refuse(path, rejected)
        else:
            set_path(fragment, path, str(attachment.public_id))
    return errors


def _post_step(request, draft, definition, step):
    """Save what was posted (always), then follow the button. Returns a response, or the
    errors to show the page with again. `step` is the page (forms.engine.Page): a step cut
    by the page-length rule posts only its page's answers."""
    fragment = parse_page_post(definition, step, request.POST, draft.data)
    upload_errors = _upload_files(request, draft, step, fragment)
    add, remove = request.POST.get("_add", ""), request.POST.get("_remove", "")
    if add or remove:
        # Add or remove an entry, or a file: show the step again without checking it.
        if remove and _is_file_path(definition, remove):
            file_id = get_path(fragment, remove) or get_path(draft.data, remove)
            try:
                attachment = selectors.attachment_get_for_draft(draft=draft, public_id=file_id)
            except Attachment.DoesNotExist:
                pass
            else:
                services.draft_remove_file(draft=draft, attachment=attachment)
        data, _handled = apply_repeat_action(definition, {**draft.data, **fragment}, request.POST)
        services.draft_set_data(draft=draft, data=data, current_step=step.id)
        return upload_errors
    validation = services.draft_save_step(
        draft=draft, step_id=step.step_id, raw_fragment=fragment, page_id=step.id
    )
    errors = _merge(page_errors(definition, step, validation.errors), upload_errors)
    action = request.POST.get("_action", "weiter")
    steps = journey.steps_of(definition, draft.data)
    if action == "zurueck":
        previous = journey.neighbour(steps, step.id, -1)
        target = previous.id if previous else step.id
        return redirect("submissions:step", public_id=draft.public_id, step_id=target)
    if action == "speichern" and not upload_errors:
        if draft.is_anonymous and draft.email:
            _send_resume_link(request, draft)
        return redirect("submissions:saved", public_id=draft.public_id)
    if errors:
        return errors
    following = journey.neighbour(steps, step.id, +1)
    if following is None or request.POST.get("_return") == journey.RETURN_TO_CHECK:
        return redirect("submissions:check", public_id=draft.public_id)
    return redirect("submissions:step", public_id=draft.public_id, step_id=following.id)


@limit_upload_size
@_draft_page
@require_http_methods(["GET", "POST"])
def step(request, draft: Draft, step_id: str):
    definition = version_definition(draft.form_version)
    own_step_id, number = split_page_id(step_id)
    try:
        own_step = definition.step(own_step_id)
    except KeyError:
        raise Http404(_("Diesen Schritt gibt es in diesem Formular nicht.")) from None
    if not number:
        raise Http404(_("Diesen Schritt gibt es in diesem Formular nicht."))
    if own_step.on_check_page:
        # Declarations are asked on the check page, not on a screen of their own.
        return redirect("submissions:check", public_id=draft.public_id)
    errors: dict[str, list[str]] = {}
    # The step's pages (the page-length rule) for the answers so far.
    current = find_page(journey.steps_of(definition, draft.data), step_id)
    if request.method == "POST" and current is not None:
        outcome = _post_step(request, draft, definition, current)
        if not isinstance(outcome, dict):
            return outcome
        errors = outcome
    steps = journey.steps_of(definition, draft.data)
    ids = [s.id for s in steps]
    if current is None or current.id not in ids:
        # Earlier answers hide this step: go on where the applicant can.
        return redirect(
            "submissions:step",
            public_id=draft.public_id,
            step_id=journey.resume_step(definition, draft),
        )
    position = ids.index(current.id) + 1
    return_to = request.POST.get("_return") or request.GET.get("zurueck", "")
    context = {
        "draft": draft,
        "definition": definition,
        "step": current,
        "position": position,
        "total": len(steps),
        "previous": journey.neighbour(steps, current.id, -1),
        "data": draft.data,
        "errors": errors,
        "file_names": _file_names(draft),
        "origins": draft.prefilled,
        "return_to_check": return_to == journey.RETURN_TO_CHECK,
        "prefill_notes": [
            note
            for note in prefill_notes(definition, draft.identity_prefill, draft.data)
            if definition.locations.get(note["path"].split(".")[-1])
            and definition.locations[note["path"].split(".")[-1]].step_id == current.step_id
            and page_of_path(definition, [current], note["path"]) is not None
        ],
    }
    return render(request, "submissions/step.html", context)


def _render_check(
    request, draft: Draft, errors: dict | None = None, *, message: str = "", posted=None
):
    """The check page; `posted`: what its declarations posted (shown again as posted)."""
    definition = version_definition(draft.form_version)
    today = timezone.localdate()
    validation = validate(definition, draft.data, today=today)
    declarations = journey.check_page_steps(definition, draft.data)
    asked_here = {item.id for step in declarations for item in step.items}
    if errors is None:
        # Before the first post, an unticked declaration is a question, not an error.
        errors = {
            path: texts
            for path, texts in validation.errors.items()
            if path.split(".", 1)[0] not in asked_here
        }
    # Errors of other steps must be corrected there before the application can go.
    blocking = {p: t for p, t in errors.items() if p.split(".", 1)[0] not in asked_here}
    attachments = selectors.draft_attachments(draft=draft)
    names = _file_names(draft, attachments)
    # Files of answers still shown (a file of a removed entry is not part of the application).
    referenced = set(journey.string_values(validation.data))
    pages = journey.steps_of(definition, draft.data)
    sections = [
        {
            "step_id": section.step_id,
            "title": section.title,
            "rows": [
                {
                    "label": row.label,
                    "text": row.text,
                    "anchor": field_dom_id(row.path),
                    "language": row.language,
                    # "Ändern" opens the page asking it (a step may be cut into pages).
                    "page": journey.page_for_path(definition, pages, row.path) or section.step_id,
                }
                for row in section.rows
            ],
        }
        for section in answers(definition, draft.data, file_names=names, today=today)
    ]

    def step_url(step_id):
        return reverse("submissions:step", args=[draft.public_id, step_id])

    shown = {step.id for step in declarations}
    context = {
        "blocking_errors": bool(blocking),
        "draft": draft,
        "definition": definition,
        "declarations": declarations,
        "data": {**draft.data, **(posted or {})},
        "errors": errors,
        "sections": [section for section in sections if section["step_id"] not in shown],
        "error_entries": journey.error_links(definition, errors, step_url, draft.data),
        "message": message,
        "attachments": [a for a in attachments if str(a.public_id) in referenced],
        "idempotency_key": uuid.uuid4().hex,
        "email": draft.email or (request.user.email if draft.user_id else ""),
        # The pay step's panel (fee and its computation), when an app registered one.
        # Shown while only the declarations asked here are open: the fee is known by then.
        "check_panels": []
        if any(p.split(".", 1)[0] not in asked_here for p in validation.errors)
        else hooks.check_panels(request, draft, validation.data),
        "prefill_notes": prefill_notes(definition, draft.identity_prefill, draft.data),
    }
    return render(request, "submissions/check.html", context)


@_draft_page
@require_GET
def check(request, draft: Draft):
    return _render_check(request, draft)


@_draft_page
@require_POST
def submit(request, draft: Draft):
    """POST-redirect-GET: the receipt is shown only after the application is committed.
    A repeated post (double click, reload, second tab) finds the same application. The
    declarations the check page asks go with the submit (an unticked box is "not
    confirmed": the check page again, with the error summary). A registered gate (the pay
    step) may send the applicant elsewhere first."""
    _follow_login(request, draft)
    definition = version_definition(draft.form_version)
    declared: dict = {}
    for declaration in journey.check_page_steps(definition, draft.data):
        declared |= parse_step_post(definition, declaration.id, request.POST)
    gate = hooks.submit_gate(request, draft, declared)
    if gate:
        # A gate opens only on complete answers, so the declarations are confirmed: they are
        # kept with the draft, for the submit after the gate (e.g. when the payment returns,
        # by the return page or the Bezahldienst's notification).
        if {**draft.data, **declared} != draft.data:
            services.draft_set_data(draft=draft, data={**draft.data, **declared})
        response = HttpResponseRedirect(gate)
        response.status_code = 303
        return response
    try:
        application = services.application_submit(
            draft=draft,
            idempotency_key=request.POST.get("idempotency_key", ""),
            base_url=_base_url(request),
            answers=declared,
        )
    except services.IdempotencyKeyInvalid:
        # Only a page posted without its hidden key (a stale or hand-made form) gets here.
        return HttpResponseBadRequest(
            _("Das Formular ist unvollständig. Bitte laden Sie die Seite neu.")
        )
    except services.SubmitInvalid as invalid:
        return _render_check(
            request, draft, invalid.errors, message=invalid.message, posted=declared
        )
    except services.TrustLevelTooLow as refused:
        check_url = reverse("submissions:check", args=[draft.public_id])
        return _step_up(request, draft.ozg_leistung, refused, check_url)
    except services.ServiceNotOffered as refused:
        return _not_offered(request, draft.ozg_leistung, refused.message)
    journey.grant_application(request, application)
    response = HttpResponseRedirect(reverse("submissions:receipt", args=[application.reference]))
    response.status_code = 303  # See Other: a reload of the receipt never posts again
    return response


def _follow_login(request, draft: Draft) -> None:
    """The draft's level is the one of the applicant's login now (a step-up raises it, a
    login without BundID lowers it); the submit checks it against the service's."""
    level = session_level(request) if draft.user_id and draft.user_id == request.user.pk else 0
    if draft.trust_level != level:
        draft.trust_level = level
        draft.save(update_fields=["trust_level", "updated_at"])


def _continue_url(draft: Draft) -> str:
    definition = version_definition(draft.form_version)
    step_id = journey.continue_at(definition, draft)
    if step_id is None:
        return reverse("submissions:check", args=[draft.public_id])
    return reverse("submissions:step", args=[draft.public_id, step_id])


def _send_resume_link(request, draft: Draft, *, email: str | None = None) -> None:
    try:
        services.draft_send_resume_link(draft=draft, base_url=_base_url(request), email=email)
    except services.ResumeLinkThrottled as throttled:
        # The draft is saved all the same; only the e-mail waits (see the cooldown).
        messages.info(request, throttled.message)
        return
    messages.success(
        request,
        _("Wir haben Ihnen den Link zum Fortsetzen an %(email)s gesendet.")
        % {"email": draft.email},
    )


@_draft_page
@require_http_methods(["GET", "POST"])
def saved(request, draft: Draft):
    """The draft is saved; an anonymous applicant got the link to continue by e-mail."""
    email_form = ResumeEmailForm(request.POST or None) if not draft.email else None
    if request.method == "POST":
        if draft.is_anonymous and email_form is not None:
            if not email_form.is_valid():
                return _render_saved(request, draft, email_form, status=422)
            _send_resume_link(request, draft, email=email_form.cleaned_data["email"])
        elif draft.is_anonymous:
            _send_resume_link(request, draft)
        return redirect("submissions:saved", public_id=draft.public_id)
    return _render_saved(request, draft, email_form)


def _render_saved(request, draft: Draft, email_form, *, status: int = 200):
    expires = draft.resume_token_expires_at if draft.is_anonymous else None
    context = {
        "email_form": email_form,
        "draft": draft,
        "definition": version_definition(draft.form_version),
        "continue_url": _continue_url(draft),
        "expires_text": berlin_time_text(expires) if expires else "",
    }
    return render(request, "submissions/saved.html", context, status=status)


@_draft_page
@require_GET
def draft_attachment(request, draft: Draft, attachment_id):
    try:
        attachment = selectors.attachment_get_for_draft(draft=draft, public_id=attachment_id)
    except Attachment.DoesNotExist:
        raise Http404(_("Diese Datei gibt es nicht.")) from None
    return services.attachment_response(attachment)


@never_cache
@require_GET
def resume(request, public_id):
    """The link from the e-mail: an anonymous draft's token binds it to this browser; a
    user's draft needs the login. Then on to the step where the applicant stopped."""
    token = request.GET.get("token", "")
    try:
        if token:
            draft = selectors.draft_get_by_token(public_id=public_id, token=token)
            journey.grant_draft(request, draft, token)
        else:
            draft = journey.draft_for_request(request, public_id)
    except services.DraftExpired:
        return _expired(request)
    except Draft.DoesNotExist:
        if not token and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404(_("Diesen Antrag gibt es nicht.")) from None
    if draft.is_submitted:
        return private(_to_receipt(request, draft.submitted_application))
    return private(redirect(_continue_url(draft)))
