"""Tenant scoping: the one place that decides which tenants' rows a query may see.

A context variable holds the active scope. `TenantScopedManager.get_queryset()` reads it each
time a queryset is *built*:

- no scope active -> `ScopeError` (forgetting the scope fails loudly instead of leaking);
- `scope(tenant=...)` -> rows of those tenants only (`scope(tenant=None)` sees nothing);
- `scopes_disabled()` -> every row; only for named cross-tenant functions in `tenancy`,
  management commands, migrations and the admin of cooperative staff.

A queryset keeps the filter it was built with, so one built inside a scope may be evaluated
after the block ends (templates render after the view returns).

What the manager does NOT cover (see docs/adr/0002-own-tenant-scoping.md): Django uses
`Model._base_manager`, a plain manager, for forward foreign-key access, `refresh_from_db`,
`save()` and deletion cascades. Those act on rows already reached through a scoped query or
on whole tenants being deleted, so they stay unscoped on purpose; a foreign key between two
tenant-owned rows must therefore never point into another tenant (services check it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models

from openkommune.core.inserts import insert_rows


class ScopeError(Exception):
    """A tenant-owned model was queried without an active scope, or written outside it."""


@dataclass(frozen=True)
class _Scope:
    # None means "all tenants" (scopes_disabled); otherwise the ids that may be seen.
    tenant_ids: frozenset[int] | None

    @property
    def disabled(self) -> bool:
        return self.tenant_ids is None


_active_scope: ContextVar[_Scope | None] = ContextVar("openkommune_tenant_scope", default=None)


def _tenant_id(tenant) -> int:
    # Accept an Organisation or its primary key, so callers need not load the row.
    tenant_id = getattr(tenant, "pk", tenant)
    if not isinstance(tenant_id, int):
        raise TypeError(f"Expected an organisation or its id, got {tenant!r}.")
    return tenant_id


@contextmanager
def scope(*, tenant=None, tenants: Iterable | None = None) -> Iterator[None]:
    """Activate a scope of one tenant (`tenant=`), several (`tenants=`) or none (neither).

    Nested blocks replace the outer scope and restore it on exit.
    """
    ids = {_tenant_id(t) for t in tenants or ()}
    if tenant is not None:
        ids.add(_tenant_id(tenant))
    token = _active_scope.set(_Scope(tenant_ids=frozenset(ids)))
    try:
        yield
    finally:
        _active_scope.reset(token)


@contextmanager
def scopes_disabled() -> Iterator[None]:
    """See every tenant's rows. Use only in named cross-tenant code paths."""
    token = _active_scope.set(_Scope(tenant_ids=None))
    try:
        yield
    finally:
        _active_scope.reset(token)


def active_tenant_ids() -> frozenset[int] | None:
    """The ids of the active scope; None when scopes are disabled. Raises without a scope."""
    current = _active_scope.get()
    if current is None:
        raise ScopeError(
            "No tenant scope is active. Wrap the code in scope(tenant=...) or, for a named "
            "cross-tenant function, in scopes_disabled()."
        )
    return current.tenant_ids


def _check_writable(tenant_id) -> None:
    ids = active_tenant_ids()
    if ids is not None and tenant_id not in ids:
        raise ScopeError(f"Tenant {tenant_id} is outside the active scope.")


def insert_scoped(objs) -> None:
    """`core.inserts.insert_rows` for tenant-owned rows, each inside the active scope (as
    `TenantScopedQuerySet.bulk_create` requires)."""
    objs = list(objs)
    for obj in objs:
        _check_writable(obj.tenant_id)
    insert_rows(objs)


class TenantScopedQuerySet(models.QuerySet):
    """Creation through the manager must also stay inside the active scope."""

    def create(self, **kwargs):
        tenant = kwargs.get("tenant")
        _check_writable(kwargs.get("tenant_id", getattr(tenant, "pk", tenant)))
        return super().create(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            _check_writable(obj.tenant_id)
        return super().bulk_create(objs, *args, **kwargs)


class TenantScopedManager(models.Manager.from_queryset(TenantScopedQuerySet)):
    """Default manager of every tenant-owned model (a model with a `tenant` foreign key).

    Keep it the *default* manager and never name it `base_manager_name`: cascades and saves
    must keep working on rows of any tenant (see module docstring).
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        ids = active_tenant_ids()
        if ids is None:
            return queryset
        if not ids:
            return queryset.none()
        if len(ids) == 1:
            return queryset.filter(tenant_id=next(iter(ids)))
        return queryset.filter(tenant_id__in=ids)
