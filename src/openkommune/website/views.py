"""Pages of the cooperative's website: Aktuelles (list, Stichwort pages, post, print view,
PDF, Atom feed), the staff's editing pages, and the office's contact page with its form
and vCard. Thin: services change, selectors read."""

from __future__ import annotations

import logging
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts import throttle
from openkommune.accounts.access import cooperative_staff_page
from openkommune.core import pdf, vcard
from openkommune.core.forms import add_service_errors, render_form
from openkommune.website import selectors, services
from openkommune.website.constants import (
    CONTACT_LIMIT_MINUTES,
    CONTACT_LIMIT_PER_CLIENT,
    CONTACT_RETENTION_DAYS,
    NEWS_PAGE_SIZE,
)
from openkommune.website.forms import ContactForm, NewsForm, PublishForm
from openkommune.website.models import NewsPost, Tag

logger = logging.getLogger(__name__)


def _published_or_404(slug: str) -> NewsPost:
    try:
        return selectors.news_published_get(slug=slug)
    except NewsPost.DoesNotExist:
        raise Http404(_("Diese Meldung gibt es nicht.")) from None


def _share_mailto(request, post: NewsPost) -> str:
    """ "Link mailen": the visitor's own mail program, with title and address; no third party."""
    url = request.build_absolute_uri(reverse("website:news_detail", args=[post.slug]))
    return (
        f"mailto:?subject={quote(post.title)}&body={quote(post.summary + chr(10) + chr(10) + url)}"
    )


# --- Aktuelles (public) ----------------------------------------------------------------


@require_GET
def news_index(request):
    page = Paginator(selectors.news_published_list(), NEWS_PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    return render(
        request, "website/news_index.html", {"page": page, "tags": selectors.tags_in_use()}
    )


@require_GET
def news_tag(request, slug: str):
    try:
        tag = selectors.tag_get(slug=slug)
    except Tag.DoesNotExist:
        raise Http404(_("Dieses Stichwort gibt es nicht.")) from None
    posts = selectors.news_published_list(tag=tag)
    page = Paginator(posts, NEWS_PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(
        request,
        "website/news_tag.html",
        {"page": page, "tag": tag, "tags": selectors.tags_in_use()},
    )


@require_GET
def news_detail(request, slug: str):
    post = _published_or_404(slug)
    return render(
        request, "website/news_detail.html", {"post": post, "mailto": _share_mailto(request, post)}
    )


@require_GET
def news_print(request, slug: str):
    """The Druckversion: the post alone, without navigation, for the browser's print."""
    post = _published_or_404(slug)
    url = request.build_absolute_uri(reverse("website:news_detail", args=[post.slug]))
    return render(request, "website/news_print.html", {"post": post, "url": url})


@require_GET
def news_pdf(request, slug: str):
    """The post as PDF/UA (the platform's one PDF renderer)."""
    post = _published_or_404(slug)
    url = request.build_absolute_uri(reverse("website:news_detail", args=[post.slug]))
    office = selectors.office_get()
    content = pdf.render_pdf(
        "website/news_pdf.html",
        {"post": post, "url": url, "office": office},
        identifier=str(post.public_id),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{post.slug[:80]}.pdf"'
    return response


# --- Aktuelles (staff) -------------------------------------------------------------------


def _post_or_404(public_id) -> NewsPost:
    try:
        return selectors.news_get(public_id=public_id)
    except NewsPost.DoesNotExist:
        raise Http404(_("Diese Meldung gibt es nicht.")) from None


@cooperative_staff_page
@require_GET
def news_manage(request):
    page = Paginator(selectors.news_list_for_staff(), NEWS_PAGE_SIZE * 2).get_page(
        request.GET.get("seite")
    )
    return render(request, "website/news_manage.html", {"page": page})


def _news_save(request, form, save):
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@cooperative_staff_page
@require_http_methods(["GET", "POST"])
def news_create(request):
    form = NewsForm(request.POST or None)
    post = _news_save(
        request,
        form,
        lambda data: services.news_create(actor=request.user, **data),
    )
    if post is not None:
        messages.success(request, _("Die Meldung ist als Entwurf gespeichert."))
        return redirect("website:news_edit", public_id=post.public_id)
    return render_form(request, "website/news_form.html", form, {"post": None})


@cooperative_staff_page
@require_http_methods(["GET", "POST"])
def news_edit(request, public_id):
    post = _post_or_404(public_id)
    initial = {
        "title": post.title,
        "summary": post.summary,
        "body": post.body,
        "tags": ", ".join(tag.name for tag in post.tags.all()),
    }
    form = NewsForm(request.POST or None, initial=initial)
    saved = _news_save(
        request, form, lambda data: services.news_update(post=post, actor=request.user, **data)
    )
    if saved is not None:
        messages.success(request, _("Die Änderungen sind gespeichert."))
        return redirect("website:news_edit", public_id=post.public_id)
    publish_form = PublishForm(initial={"published_at": post.published_at or timezone.localtime()})
    context = {"post": post, "publish_form": publish_form}
    return render_form(request, "website/news_form.html", form, context)


@cooperative_staff_page
@require_POST
def news_publish(request, public_id):
    post = _post_or_404(public_id)
    form = PublishForm(request.POST)
    if form.is_valid():
        post = services.news_publish(
            post=post, actor=request.user, published_at=form.cleaned_data["published_at"]
        )
        if post.is_public:
            messages.success(request, _("Die Meldung ist veröffentlicht."))
        else:
            messages.success(request, _("Die Meldung ist zur Veröffentlichung geplant."))
        return redirect("website:news_edit", public_id=post.public_id)
    news_form = NewsForm(
        initial={
            "title": post.title,
            "summary": post.summary,
            "body": post.body,
            "tags": ", ".join(tag.name for tag in post.tags.all()),
        }
    )
    return render(
        request,
        "website/news_form.html",
        {"form": news_form, "post": post, "publish_form": form},
        status=422,
    )


@cooperative_staff_page
@require_http_methods(["GET", "POST"])
def news_withdraw(request, public_id):
    """Asks first: the post leaves the public pages and the feed."""
    post = _post_or_404(public_id)
    if request.method == "POST":
        try:
            services.news_withdraw(post=post, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Die Meldung ist zurückgezogen und wieder ein Entwurf."))
        return redirect("website:news_edit", public_id=post.public_id)
    return render(request, "website/news_withdraw.html", {"post": post})


# --- contact ---------------------------------------------------------------------------


CONTACT_RULE = throttle.Rule("contact.client", CONTACT_LIMIT_PER_CLIENT, CONTACT_LIMIT_MINUTES)


@require_http_methods(["GET", "POST"])
def contact(request):
    office = selectors.office_get()
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_trap_filled():
            # A bot filled the field people do not see: it is told "sent", nothing is stored.
            logger.info("Contact form: honeypot filled, message dropped")
            return redirect("website:contact_sent")
        if form.is_valid():
            address = throttle.client_group(throttle.client_address(request))
            reservation = throttle.reserve(CONTACT_RULE, address)
            if reservation.wait:
                form.add_error(None, throttle.too_many_requests_message(reservation.wait))
                status = 429
            else:
                data = form.cleaned_data
                services.contact_message_submit(
                    name=data["name"],
                    email=data["email"],
                    subject=data["subject"],
                    message=data["message"],
                    base_url=request.build_absolute_uri("/"),
                )
                return redirect("website:contact_sent")
        else:
            status = 422
    context = {"form": form, "office": office, "retention_days": CONTACT_RETENTION_DAYS}
    return render(request, "website/contact.html", context, status=status)


@require_GET
def contact_sent(request):
    return render(request, "website/contact_sent.html", {"office": selectors.office_get()})


@require_GET
def office_vcard(request):
    """ "Ins Adressbuch exportieren": the office as a vCard 4.0."""
    office = selectors.office_get()
    if office is None:
        raise Http404(_("Die Genossenschaft ist noch nicht eingerichtet."))
    return vcard_response(vcard.render(office.vcard_contact()), vcard.filename(office.name))


def vcard_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
