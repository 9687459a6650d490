"""An inspection's workspace: progress, the work queues and the case table; taking the next
case; and how far the blind double reviews agree."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from inspect_app.accounts import access
from inspect_app.accounts.decorators import allowed_if
from inspect_app.inspections import decisions, tallies
from inspect_app.inspections.filters import CaseFilter
from inspect_app.inspections.forms import AssignForm, DoubleReviewShareForm
from inspect_app.inspections.models import BatchStatus, SampleBatch, SignOffEvent
from inspect_app.inspections.tables import CaseTable, CountedPaginator
from inspect_app.inspections.views.common import (
    case_url,
    cases_of,
    casework_inspection,
    kept_page,
    queue_name,
    refuse,
    workspace_url,
)
from inspect_app.inspections.workflow import claims, queues
from inspect_app.inspections.workflow.refusals import WorkflowError

# --- progress -------------------------------------------------------------------------------


def task_tag(reviewed, total):
    if total and reviewed >= total:
        return ("Completed", "tag--green")
    if reviewed:
        return ("In progress", "tag--blue")
    return ("Not started", "tag--grey")


def progress_rows(counts, position, labels=None):
    """(label, reviewed, total, tag) per record type (``position`` 0) or offence group (1),
    from ``tallies.count_casework``'s rows; ordered by value, no offence group last."""
    totals = {}
    for row in counts["rows"]:
        value, total, reviewed = row[position], row[2], row[3]
        seen = totals.setdefault(value, [0, 0])
        seen[0] += reviewed
        seen[1] += total
    result = []
    for value in sorted(totals, key=lambda value: (value is None, value or "")):
        reviewed, total = totals[value]
        label = labels.get(value, value) if labels else value
        result.append(
            {
                "label": label or "No offence group",
                "reviewed": reviewed,
                "total": total,
                "tag": task_tag(reviewed, total),
            }
        )
    return result


def progress(counts):
    by_type = progress_rows(counts, 0, dict(decisions.RecordType.choices))
    by_group = progress_rows(counts, 1)
    reviewed, total = counts["reviewed"], counts["total"]
    return {
        "reviewed": reviewed,
        "total": total,
        "tag": task_tag(reviewed, total),
        "by_type": by_type,
        "by_group": by_group,
    }


# --- the workspace --------------------------------------------------------------------------


@allowed_if(access.may_open_casework)
def workspace(request, slug):
    """An inspection's cases for the review team: progress, work queues and the case table."""
    inspection = casework_inspection(request, slug)
    user = request.user
    page = kept_page(request, inspection, "workspace")
    if page.html is not None:
        context = {"inspection": inspection, "kept": {"page": page}}
        return render(request, "inspections/workspace.html", context)
    cases = cases_of(request, inspection)
    queue = queue_name(request)
    # Counted once per change to the inspection's casework, not on every request.
    counts = tallies.casework(inspection)
    sizes = tallies.queue_counts(inspection, user, cases)
    tabs = [
        (name, label, sizes[name])
        for name, label in queues.QUEUES.items()
        if name != "adjudication" or access.oversees_casework(user)
    ]
    reviewers = claims.reviewers_of(inspection)
    is_lead = access.may_lead(user)
    selectable = is_lead and inspection.is_open_for_review

    def case_filter():
        queue_cases = queues.with_first_reviewed(
            queues.queue_cases(queue, inspection, user, cases).select_related(
                "offence_group", "assigned_to"
            )
        )
        return CaseFilter(
            request.GET or None,
            queryset=queue_cases,
            reviewers=reviewers,
            batches=SampleBatch.objects.visible_to(user)
            .filter(inspection=inspection, status=BatchStatus.IMPORTED)
            .order_by("uploaded_at"),
        )

    def case_table():
        table = CaseTable(filtered.qs, inspection=inspection, queue=queue, selectable=selectable)
        # Unfiltered, the table holds the whole queue, whose size is already counted.
        known = sizes[queue] if not filtered.narrows() else None
        RequestConfig(
            request,
            paginate={"per_page": 50, "paginator_class": CountedPaginator, "known_count": known},
        ).configure(table)
        return table

    # Built only if the page's kept part (below) has to be rendered afresh.
    filtered, table = SimpleLazyObject(case_filter), SimpleLazyObject(case_table)
    context = {
        "inspection": inspection,
        "progress": progress(counts),
        "queues": tabs,
        "queue": queue,
        "queue_label": queues.QUEUES[queue],
        "filter": filtered,
        "table": table,
        "is_lead": is_lead,
        "oversees": access.oversees_casework(user),
        "may_review": access.may_review(user) and inspection.is_open_for_review,
        "assign_form": AssignForm(cases=cases, reviewers=reviewers) if is_lead else None,
        "share_form": DoubleReviewShareForm(
            initial={
                "percentage": f"{(inspection.double_review_fraction * 100).normalize():f}"
            }  # 20, not 20.000
        )
        if is_lead
        else None,
        "sign_off_events": SignOffEvent.objects.visible_to(user)
        .filter(inspection=inspection)
        .select_related("by"),
        "blockers": tallies.sign_off_blockers(inspection)
        if is_lead and inspection.is_open_for_review
        else [],
        "sample_size": counts["sample"],
        # Rendered once per change to the casework: the page for this reader and
        # address, and the progress (the same for every reader).
        "kept": {
            "page": page,
            "progress": tallies.fragment_key(inspection, "workspace-progress"),
        },
    }
    return render(request, "inspections/workspace.html", context)


@require_POST
@allowed_if(access.may_review)
def claim_next(request, slug):
    """Take the next unassigned case and open it."""
    inspection = casework_inspection(request, slug)
    try:
        case = claims.claim_next_case(inspection, request.user)
    except WorkflowError as refusal:
        return refuse(request, inspection, str(refusal), 403, workspace_url(inspection))
    if case is None:
        messages.info(request, "There are no unassigned cases left to take.")
        return redirect(workspace_url(inspection, "mine"))
    messages.success(request, f"Case {case.reference} is now yours to review.")
    return redirect(case_url(case, "mine"))


# --- agreement ------------------------------------------------------------------------------


@allowed_if(access.oversees_casework)
def agreement_page(request, slug):
    """How far the blind double reviews agree, per decision, for the inspection and per
    inspector."""
    inspection = casework_inspection(request, slug)
    page = kept_page(request, inspection, "agreement")
    agreement = tallies.agreement(inspection) if page.html is None else None
    context = {"inspection": inspection, "agreement": agreement, "kept": {"page": page}}
    return render(request, "inspections/agreement.html", context)
