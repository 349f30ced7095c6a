"""Models of the back office (see docs/cases.md). Import them from here."""

from openkommune.cases.models.case import Case, CaseDocument, CaseNote, build_search_text
from openkommune.cases.models.events import (
    HISTORY_ORDER,
    AuditChainAnchor,
    AuditChainHead,
    CaseEvent,
    CaseEventImmutableError,
)
from openkommune.cases.models.messaging import (
    DEEMED_DELIVERY_DAYS,
    Message,
    MessageAttachment,
    Notice,
    NoticeTemplate,
    deemed_delivery_date,
)
from openkommune.cases.models.retention import DeletionLog, RetentionRule, ServiceDeadline

__all__ = [
    "DEEMED_DELIVERY_DAYS",
    "HISTORY_ORDER",
    "AuditChainAnchor",
    "AuditChainHead",
    "Case",
    "CaseDocument",
    "CaseEvent",
    "CaseEventImmutableError",
    "CaseNote",
    "DeletionLog",
    "Message",
    "MessageAttachment",
    "Notice",
    "NoticeTemplate",
    "RetentionRule",
    "ServiceDeadline",
    "build_search_text",
    "deemed_delivery_date",
]
