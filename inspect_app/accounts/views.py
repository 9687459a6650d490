"""The audit log's page: admins read and filter who did what, when, to which record."""

from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from inspect_app.accounts import access
from inspect_app.accounts.auditlog import AuditLogFilter, AuditLogTable
from inspect_app.accounts.decorators import allowed_if
from inspect_app.accounts.models import AuditEvent

PER_PAGE = 50


@require_GET
@allowed_if(access.may_read_audit_log)
def audit_log(request):
    """Every entry, newest first, narrowed by the filters; a filter typed wrong is named in
    the error summary and the list is left unfiltered by it."""
    filtered = AuditLogFilter(request.GET or None, queryset=AuditEvent.objects.all())
    rows = filtered.qs if filtered.is_bound else AuditEvent.objects.all()
    problems = [
        (f"id_{name}", f"{filtered.form.fields[name].label}: {' '.join(errors)}")
        for name, errors in (filtered.form.errors.items() if filtered.is_bound else ())
    ]
    if problems:
        rows = AuditEvent.objects.all()
    table = AuditLogTable(rows)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request,
        "accounts/audit_log.html",
        {"filter": filtered, "table": table, "problems": problems},
        status=400 if problems else 200,
    )
