"""Reading the audit log: the one shape an entry is read in (``as_line``), the times a
reader may give (``parse_time``), and the filters and table of the admins' page.

The command line (``manage.py audit_log``) and the page share these, so a filter means
the same in both.
"""

import datetime

import django_filters
import django_tables2 as tables
from django import forms
from django.utils import timezone

from inspect_app.accounts.models import AuditAction, AuditEvent


def parse_time(text):
    """An ISO 8601 time as an aware datetime; without an offset it is the service's own
    time (Europe/London). A date alone means its midnight. Raises ValueError."""
    text = (text or "").strip()
    if not text:
        raise ValueError("no time given")
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text[:40]!r} is not an ISO 8601 time (for example 2026-03-01T09:30+00:00)"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def as_line(event):
    """One entry as interfaces.md gives it: ``at``, ``actor``, ``action``, ``object_type``,
    ``object_id`` and ``detail`` (an object). Nobody (the command line) is ``null``."""
    detail = event.details if isinstance(event.details, dict) else {"value": event.details}
    if event.target:
        detail = {"target": event.target, **detail}
    if event.ip_address:
        detail = {**detail, "ip_address": event.ip_address}
    return {
        "at": timezone.localtime(event.occurred_at).isoformat(),
        "actor": event.actor_username or None,
        "action": event.action,
        "object_type": event.object_type or None,
        "object_id": event.object_id,
        "detail": detail,
    }


def chronological(events):
    """Oldest first, as a log is read; the primary key breaks ties within a microsecond."""
    return events.order_by("occurred_at", "pk")


# --- the page -------------------------------------------------------------------------------


class TimeField(forms.CharField):
    """A time typed as ISO 8601, with or without an offset (as ``audit_log --since``)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_time(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class TimeFilter(django_filters.Filter):
    field_class = TimeField


class AuditLogFilter(django_filters.FilterSet):
    """Who, what, when and on what: each narrows the entries listed."""

    actor = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label="Username"
    )
    action = django_filters.ChoiceFilter(
        choices=AuditAction.choices, empty_label="Any action", label="Action"
    )
    since = TimeFilter(field_name="occurred_at", lookup_expr="gte", label="From (ISO 8601)")
    until = TimeFilter(field_name="occurred_at", lookup_expr="lt", label="Before (ISO 8601)")
    object_type = django_filters.CharFilter(
        field_name="object_type", lookup_expr="iexact", label="Record type (e.g. sampledcase)"
    )
    object_id = django_filters.NumberFilter(field_name="object_id", label="Record number")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "since", "until", "object_type", "object_id"]


class AuditLogTable(tables.Table):
    """The entries, newest first: when, who, what, to which record, and the rest."""

    occurred_at = tables.DateTimeColumn(verbose_name="When", format="j M Y, H:i:s")
    actor_username = tables.Column(verbose_name="Who", default="(command line)")
    action = tables.Column(verbose_name="Action")
    record = tables.TemplateColumn(
        "{% if record.object_type %}{{ record.object_type }} {{ record.object_id }}{% endif %}"
        "{% if record.target %}{% if record.object_type %}<br>{% endif %}"
        '<span class="hint">{{ record.target }}</span>{% endif %}',
        verbose_name="Record",
        order_by=("object_type", "object_id"),
    )
    details = tables.TemplateColumn(
        "{% for name, value in record.details.items %}<code>{{ name }}</code>: {{ value }}"
        "{% if not forloop.last %}<br>{% endif %}{% endfor %}",
        verbose_name="Detail",
        orderable=False,
    )
    ip_address = tables.Column(verbose_name="Address", default="")

    class Meta:
        model = AuditEvent
        fields = ("occurred_at", "actor_username", "action", "record", "details", "ip_address")
        attrs = {"class": "govuk-table audit-log-table"}
        order_by = ("-occurred_at",)

    def render_action(self, record):
        return record.get_action_display()
