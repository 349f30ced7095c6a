"""Company login through the organisation account (OIDC) and applications on behalf of the
company (issue 15 part 4, ADR 0021). Audit records: `company_login.succeeded|failed`."""

import hashlib

from django.contrib.auth import login
from django.db import transaction
from django.utils import timezone

from openkommune.accounts.services import user_create, user_update
from openkommune.companies.models import (
    ApplicationOnBehalf,
    Company,
    CompanyLoginFailure,
    CompanyRepresentative,
)
from openkommune.core.oidc import OIDCError
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

COMPANY_FIELDS = ("name", "legal_form", "register", "street_address", "postal_code", "locality")


def _text(value, limit: int) -> str:
    return str(value or "").strip()[:limit]


def company_from_claims(claims: dict, *, issuer: str) -> Company:
    data = claims.get("company")
    if not isinstance(data, dict) or not data.get("id") or not data.get("name"):
        raise OIDCError("company_claim_missing")
    values = {name: _text(data.get(name), 300) for name in COMPANY_FIELDS}
    company, _created = Company.objects.update_or_create(
        issuer=issuer, external_id=_text(data["id"], 200), defaults=values
    )
    return company


@transaction.atomic
def company_login(request, claims: dict, *, issuer: str) -> CompanyRepresentative:
    """Log in the acting person for the company; the platform account is one per person and
    company, with an unusable password and a login name that is no mailbox."""
    company = company_from_claims(claims, issuer=issuer)
    sub = _text(claims["sub"], 255)
    person = {
        "given_name": _text(claims.get("given_name"), 150),
        "family_name": _text(claims.get("family_name"), 150),
        "email": _text(claims.get("email"), 254) if claims.get("email_verified") else "",
    }
    representative = CompanyRepresentative.objects.filter(
        issuer=issuer, person_sub=sub, company=company
    ).first()
    names = {"first_name": person["given_name"], "last_name": person["family_name"]}
    if representative is None:
        digest = hashlib.sha256(f"{issuer}|{sub}|{company.external_id}".encode()).hexdigest()
        user = user_create(
            actor=None,
            email=f"unternehmenskonto-{digest[:24]}@unternehmenskonto.invalid",
            password=None,
            **names,
        )
        representative = CompanyRepresentative.objects.create(
            user=user, company=company, issuer=issuer, person_sub=sub, **person
        )
    else:
        user = user_update(actor=None, user=representative.user, **names)
        for name, value in person.items():
            setattr(representative, name, value)
    representative.last_login_at = timezone.now()
    representative.save()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    audit_record(
        tenant=None,
        actor=user,
        action="company_login.succeeded",
        obj=user,
        after={"company": str(company.public_id), "issuer": issuer},
    )
    return representative


def company_login_failed(*, issuer: str, reason: str) -> None:
    failure = CompanyLoginFailure.objects.create(issuer=issuer[:300], reason=reason[:60])
    audit_record(
        tenant=None,
        actor=None,
        action="company_login.failed",
        obj=failure,
        after={"reason": reason, "issuer": issuer},
    )


def application_on_behalf_record(application) -> None:
    """Submit hook: an application filed from a company account is filed on behalf of the
    company; the company and the acting person are kept with it as they are now."""
    user_id = application.user_id
    if user_id is None:
        return
    representative = (
        CompanyRepresentative.objects.select_related("company").filter(user_id=user_id).first()
    )
    if representative is None:
        return
    company = representative.company
    with scope(tenant=application.tenant):
        ApplicationOnBehalf.objects.create(
            tenant=application.tenant,
            application=application,
            company=company,
            company_snapshot={name: getattr(company, name) for name in COMPANY_FIELDS}
            | {"id": company.external_id, "issuer": company.issuer},
            acting_person={
                "given_name": representative.given_name,
                "family_name": representative.family_name,
                "email": representative.email,
                "sub": representative.person_sub,
            },
        )
