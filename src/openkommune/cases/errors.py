"""Errors of the back office. Each carries a German `message` for the page or the API
(`fields` maps form fields to messages where one field is at fault)."""

from __future__ import annotations

from openkommune.core.errors import DomainError


class CaseError(DomainError):
    code = "case_error"


class TransitionNotAllowed(CaseError):
    code = "transition_not_allowed"


class NoticeAlreadyIssued(TransitionNotAllowed):
    """The case's decision already has its notice: the same again would be a second one."""

    code = "notice_already_issued"


class DecisionRequired(CaseError):
    code = "decision_required"


class ReasonRequired(CaseError):
    code = "reason_required"


class AssigneeNotAllowed(CaseError):
    code = "assignee_not_allowed"


class CaseInputInvalid(CaseError):
    """A note, document or date the clerk entered cannot be taken (empty, too long …)."""

    code = "invalid"


class CaseClosed(CaseError):
    """A closed case is final: no more notes, documents, assignments or follow-ups."""

    code = "case_closed"


class FeeUnpaid(TransitionNotAllowed):
    """A positive decision on an application whose fee is due and unpaid, for a service that
    requires payment first (payments app, `FeeSchedule.decision_requires_payment`)."""

    code = "fee_unpaid"
