"""Pages of the review workflow: the inspection workspace, the case page, assignment,
sign-off and agreement.

Objects come only from ``visible_to(request.user)``; the workflow's own rules
(who may write which review, whether the inspection is open, whether someone
saved first) are checked by ``workflow``, which changes everything or nothing.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from inspect_app.accounts import access, audit
from inspect_app.accounts.access import may_do_casework
from inspect_app.accounts.decorators import allowed_if
from inspect_app.accounts.models import AuditAction
from inspect_app.inspections import decisions, tallies, workflow, worklist
from inspect_app.inspections.filters import CaseFilter
from inspect_app.inspections.forms import AssignForm, DoubleReviewShareForm, ReviewForm
from inspect_app.inspections.models import (
    BatchStatus,
    CaseReview,
    Inspection,
    ReviewKind,
    SampleBatch,
    SampledCase,
    SignOffEvent,
    casework_changed,
)
from inspect_app.inspections.tables import CaseTable, CountedPaginator


def casework_inspection(request, slug):
    """The inspection named in the URL, if this person may work on its cases (else 404/403)."""
    inspection = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("force", "programme"),
        slug=slug,
    )
    if not may_do_casework(request.user, inspection):
        raise PermissionDenied("You are not assigned to this inspection.")
    return inspection


def cases_of(request, inspection):
    return SampledCase.objects.visible_to(request.user).filter(inspection=inspection)


def queue_name(request):
    # Inspectors start from their own work; leads and admins from the whole inspection.
    default = "all" if access.oversees_casework(request.user) else workflow.DEFAULT_QUEUE
    name = request.GET.get("queue") or request.POST.get("queue") or default
    return name if name in workflow.QUEUES else default


def refuse(request, inspection, message, status, back=None):
    """A refusal page with the GOV.UK error summary; nothing has been changed."""
    return render(
        request,
        "inspections/refused.html",
        {"inspection": inspection, "problems": [message], "back": back},
        status=status,
    )


def workspace_url(inspection, queue=None):
    url = reverse("inspection-workspace", kwargs={"slug": inspection.slug})
    return f"{url}?{urlencode({'queue': queue})}" if queue else url


def case_url(case, queue):
    url = reverse("review-case", kwargs={"slug": case.inspection.slug, "pk": case.pk})
    return f"{url}?{urlencode({'queue': queue})}"


def safe_next(request, fallback):
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


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


def kept_page(request, inspection, name):
    """The main part of a review page as this reader last saw it at this address, if the
    inspection has not changed since (``{% kept kept.page %}``); never for a form posted.
    Its key also names the inspection's last sign-off and reopening (its sign-off record)."""
    key = None
    if request.method == "GET":
        key = tallies.fragment_key(
            inspection,
            name,
            request.user.pk,
            request.get_full_path(),
            inspection.signed_off_at,
            inspection.reopened_at,
        )
    return tallies.Fragment.lookup(key) if key else tallies.Fragment(None)


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
    queues = [
        (name, label, sizes[name])
        for name, label in workflow.QUEUES.items()
        if name != "adjudication" or access.oversees_casework(user)
    ]
    reviewers = workflow.reviewers_of(inspection)
    is_lead = access.may_lead(user)
    selectable = is_lead and inspection.is_open_for_review

    def case_filter():
        queue_cases = workflow.with_first_reviewed(
            workflow.queue_cases(queue, inspection, user, cases).select_related(
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
        "queues": queues,
        "queue": queue,
        "queue_label": workflow.QUEUES[queue],
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
        case = workflow.claim_next_case(inspection, request.user)
    except workflow.WorkflowError as refusal:
        return refuse(request, inspection, str(refusal), 403, workspace_url(inspection))
    if case is None:
        messages.info(request, "There are no unassigned cases left to take.")
        return redirect(workspace_url(inspection, "mine"))
    messages.success(request, f"Case {case.reference} is now yours to review.")
    return redirect(case_url(case, "mine"))


@require_POST
@allowed_if(access.may_lead)
def assign(request, slug):
    """A lead inspector gives one or many cases to a reviewer (all of them or none)."""
    inspection = casework_inspection(request, slug)
    back = safe_next(request, workspace_url(inspection))
    form = AssignForm(
        request.POST,
        cases=cases_of(request, inspection),
        reviewers=workflow.reviewers_of(inspection),
    )
    if not form.is_valid():
        problems = [error for errors in form.errors.values() for error in errors]
        return render(
            request,
            "inspections/refused.html",
            {"inspection": inspection, "problems": problems, "back": back},
            status=400,
        )
    assignee = form.cleaned_data["assignee"]
    second = form.cleaned_data["review"] == AssignForm.SECOND
    chosen = list(form.cleaned_data["cases"].select_related("inspection"))
    if (
        assignee == request.user
        and not second
        and needs_self_assignment_warning(request.user, chosen)
        and not request.POST.get("confirmed")
    ):
        return confirm_self_assignment(
            request,
            inspection,
            chosen,
            queue_name(request),
            form_action=reverse("review-assign", kwargs={"slug": inspection.slug}),
        )
    try:
        changed = workflow.assign_cases(
            inspection, form.cleaned_data["cases"], assignee, second=second
        )
    except workflow.WorkflowError as refusal:
        return refuse(request, inspection, str(refusal), 400, back)
    who = (assignee.get_full_name() or assignee.username) if assignee else "nobody"
    what = "second review" if second else "first review"
    count = len(changed)
    messages.success(
        request, f"{count} case{'s' if count != 1 else ''} assigned to {who} for the {what}."
    )
    return redirect(back)


@require_POST
@allowed_if(access.may_lead)
def double_review_share(request, slug):
    """A lead inspector sets the share of cases that get a blind second review."""
    inspection = casework_inspection(request, slug)
    if not inspection.is_open_for_review:
        return refuse(request, inspection, "This inspection is closed.", 403)
    form = DoubleReviewShareForm(request.POST)
    if not form.is_valid():
        problems = [error for errors in form.errors.values() for error in errors]
        return render(
            request,
            "inspections/refused.html",
            {"inspection": inspection, "problems": problems, "back": workspace_url(inspection)},
            status=400,
        )
    Inspection.objects.filter(pk=inspection.pk).update(
        double_review_fraction=form.cleaned_data["percentage"] / 100
    )
    messages.success(request, f"{form.cleaned_data['percentage']}% of cases are double reviewed.")
    return redirect(workspace_url(inspection))


@require_http_methods(["GET", "POST"])
@allowed_if(access.may_lead)
def sign_off(request, slug):
    """Sign-off: a page that lists what still stands in the way, or asks to confirm; the
    confirmation's POST signs off."""
    inspection = casework_inspection(request, slug)
    if request.method == "GET":
        blockers = tallies.sign_off_blockers(inspection) if inspection.is_open_for_review else []
        return render(
            request,
            "inspections/sign_off.html",
            {
                "inspection": inspection,
                "blockers": blockers,
                "case_count": SampledCase.objects.filter(inspection=inspection).count(),
            },
        )
    try:
        workflow.sign_off(inspection, request.user)
    except workflow.WorkflowError as refusal:
        return refuse(request, inspection, str(refusal), 409, workspace_url(inspection))
    audit.record(
        AuditAction.SIGN_OFF,
        actor=request.user,
        request=request,
        target=f"inspection {inspection.slug}",
    )
    messages.success(request, "Inspection signed off: its reviews are now read-only.")
    return redirect(workspace_url(inspection))


@require_POST
@allowed_if(access.may_lead)
def reopen(request, slug):
    inspection = casework_inspection(request, slug)
    try:
        workflow.reopen(inspection, request.user)
    except workflow.WorkflowError as refusal:
        return refuse(request, inspection, str(refusal), 409, workspace_url(inspection))
    audit.record(
        AuditAction.REOPEN,
        actor=request.user,
        request=request,
        target=f"inspection {inspection.slug}",
    )
    messages.success(request, "Inspection reopened: its reviews can be changed again.")
    return redirect(workspace_url(inspection))


# --- the case page --------------------------------------------------------------------------


def audit_trail(state, user):
    """Every saved version of the reviews ``user`` may see, newest first, with what changed."""
    visible = [
        review
        for review in (state.first, state.second, state.adjudicated)
        if state.may_see(user, review)
    ]
    records = list(
        CaseReview.history.filter(id__in=[review.pk for review in visible])
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    entries, previous = [], {}
    for record in records:
        before = previous.get(record.id)
        changes = []
        for name in workflow.REVIEW_FIELDS:
            attname = "corrected_offence_group_id" if name == "corrected_offence_group" else name
            old = getattr(before, attname) if before else None
            new = getattr(record, attname)
            if before is None and new in (None, ""):
                continue
            if before is None or old != new:
                changes.append(
                    (
                        workflow.field_label(name),
                        workflow.describe_value(name, old) if before else None,
                        workflow.describe_value(name, new),
                    )
                )
        entries.append(
            {
                "record": record,
                "kind": ReviewKind(record.kind).label,
                "action": {"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type],
                "changes": changes,
            }
        )
        previous[record.id] = record
    entries.sort(key=lambda entry: entry["record"].history_date, reverse=True)
    return entries


def review_rows(state, user, editing):
    """Read-only summaries of the reviews ``user`` may see: (review, [(question, answer)]).

    Leaves out the review being edited (the form shows it) and, once both blind
    reviews are in, those two (the side-by-side table shows them).
    """
    shown = []
    for review in (state.first, state.second, state.adjudicated):
        if not state.may_see(user, review) or review.kind == editing:
            continue
        if state.pair_complete and review.kind != ReviewKind.ADJUDICATED:
            continue
        answers = [
            (d.question, workflow.describe_value(d.field, getattr(review, d.field)))
            for d in decisions.DECISIONS_BY_RECORD_TYPE[state.case.record_type]
        ]
        shown.append((review, answers))
    return shown


def side_by_side(state):
    """The two blind reviews question by question, marking where they differ."""
    differing = set(state.disagreements)
    rows = []
    for d in decisions.DECISIONS_BY_RECORD_TYPE[state.case.record_type]:
        rows.append(
            {
                "question": d.question,
                "first": workflow.describe_value(d.field, getattr(state.first, d.field)),
                "second": workflow.describe_value(d.field, getattr(state.second, d.field)),
                "differs": d.field in differing,
            }
        )
    rows.append(
        {
            "question": "Corrected offence group",
            "first": workflow.describe_value(
                "corrected_offence_group", state.first.corrected_offence_group
            ),
            "second": workflow.describe_value(
                "corrected_offence_group", state.second.corrected_offence_group
            ),
            "differs": "corrected_offence_group_id" in differing,
        }
    )
    rows.append(
        {
            "question": "Notes",
            "first": state.first.notes or "(none)",
            "second": state.second.notes or "(none)",
            "differs": False,
        }
    )
    return rows


def review_form_for(state, kind, data=None):
    review = state.review(kind)
    if review is None and kind == ReviewKind.ADJUDICATED:
        # Start from what the two reviewers agreed on; the lead decides the rest.
        disagreeing = set(state.disagreements)
        agreed = [name for name in decisions.DECISION_FIELDS if name not in disagreeing]
        if "corrected_offence_group_id" not in disagreeing:
            agreed.append("corrected_offence_group")
        initial = ReviewForm.initial_from(state.first, fields=agreed)
        initial["version"] = 0
    else:
        initial = ReviewForm.initial_from(review)
    return ReviewForm(data, case=state.case, initial=initial)


@require_http_methods(["GET", "POST"])
@allowed_if(access.may_open_casework)
def case_detail(request, slug, pk):
    """One case: its record, the review form this person may fill in, and the audit trail."""
    inspection = casework_inspection(request, slug)
    # Only what a kept page needs (that the case is there for this reader, and its
    # reference for the title); the rest is read when the page is built.
    case = get_object_or_404(
        cases_of(request, inspection).only("pk", "reference", "inspection_id"), pk=pk
    )
    queue = queue_name(request)
    user = request.user
    page = kept_page(request, inspection, "case")
    if page.html is not None:
        context = {"inspection": inspection, "case": case, "kept": {"page": page}}
        return render(request, "inspections/case_detail.html", context)
    case = get_object_or_404(
        cases_of(request, inspection).select_related(
            "inspection", "offence_group", "assigned_to", "second_reviewer"
        ),
        pk=pk,
    )
    state = workflow.CaseState.of(case)
    kind = state.kind_for(user)
    form = review_form_for(state, kind) if kind else None
    conflict = None
    status = 200

    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "claim":
            if needs_self_assignment_warning(user, [case]) and not request.POST.get("confirmed"):
                return confirm_self_assignment(request, inspection, [case], queue)
            return claim_case(request, case, queue)
        if action == "claim_second":
            try:
                workflow.claim_second_review(case, user)
            except workflow.WorkflowError as refusal:
                return refuse(request, inspection, str(refusal), 403, case_url(case, queue))
            messages.success(request, f"You are the second reviewer of {case.reference}.")
            return redirect(case_url(case, queue))
        if action not in ("save", "save_next"):
            return refuse(request, inspection, "Unknown action.", 400, case_url(case, queue))
        posted_kind = request.POST.get("kind")
        if kind is None or posted_kind != kind:
            return refuse(
                request,
                inspection,
                "You cannot make this review of this case: it is not assigned to you, "
                "or the inspection is closed.",
                403,
                case_url(case, queue),
            )
        form = ReviewForm(request.POST, case=case)
        if form.is_valid():
            try:
                workflow.save_review(
                    case, kind, user, form.review_values(), form.cleaned_data["version"]
                )
            except workflow.ReviewConflict as clash:
                conflict = {
                    "refusal": clash,
                    "problems": [str(clash)],
                    "attempted": attempted_answers(form),
                }
                state = workflow.CaseState.of(case)
                form = review_form_for(state, kind)
                status = 409
            except workflow.NotAllowed as refusal:
                return refuse(request, inspection, str(refusal), 403, case_url(case, queue))
            except workflow.CaseGone as refusal:
                return refuse(request, inspection, str(refusal), 410, workspace_url(inspection))
            except workflow.WorkflowError as refusal:
                return refuse(request, inspection, str(refusal), 400, case_url(case, queue))
            else:
                messages.success(request, f"Review of {case.reference} saved.")
                if action == "save_next":
                    return redirect(next_in_queue(request, inspection, case, queue))
                return redirect(case_url(case, queue))
        else:
            status = 400

    queued = workflow.queue_cases(queue, inspection, user, cases_of(request, inspection))
    previous, following = workflow.neighbours(queued, case)
    context = {
        "inspection": inspection,
        "case": case,
        "state": state,
        "queue": queue,
        "queue_label": workflow.QUEUES[queue],
        "queue_count": tallies.queue_count(inspection, user, cases_of(request, inspection), queue),
        "previous": previous,
        "following": following,
        "kind": kind,
        "kind_label": ReviewKind(kind).label if kind else None,
        "form": form,
        "conflict": conflict,
        "reviews": review_rows(state, user, kind),
        "side_by_side": side_by_side(state) if state.pair_complete else None,
        "history": audit_trail(state, user),
        "blind_hidden": state.is_blind
        and not state.pair_complete
        and not all(state.may_see(user, r) for r in (state.first, state.second) if r),
        "may_claim": access.may_claim_case(user, state),
        "may_take_second": access.may_take_second_review(user, state),
        "oversees": access.oversees_casework(user),
        "is_lead": access.may_lead(user),
        "reviewers": workflow.reviewers_of(inspection) if access.may_lead(user) else (),
        "no_review_reason": worklist.why_no_review(state, user) if kind is None else "",
        "kept": {"page": page},
    }
    return render(request, "inspections/case_detail.html", context, status=status)


def needs_self_assignment_warning(user, cases):
    """A lead taking the first review of a double-review case could no longer adjudicate it."""
    return access.may_lead(user) and any(workflow.in_double_review_sample(c) for c in cases)


def confirm_self_assignment(request, inspection, cases, queue, *, form_action=None):
    """Ask a lead to confirm before they make the first review of a double-review case."""
    sampled = [case for case in cases if workflow.in_double_review_sample(case)]
    return render(
        request,
        "inspections/confirm_self_assignment.html",
        {
            "inspection": inspection,
            "sampled": sampled,
            "queue": queue,
            "posted": [
                (name, value)
                for name, values in request.POST.lists()
                if name not in ("csrfmiddlewaretoken", "confirmed")
                for value in values
            ],
            "form_action": form_action or request.get_full_path(),
            "back": safe_next(request, case_url(cases[0], queue)) if cases else "",
        },
    )


def attempted_answers(form):
    """What the person tried to save, to show beside the conflict (nothing of it was saved)."""
    values = form.review_values()
    return [
        (workflow.field_label(name), workflow.describe_value(name, values[name]))
        for name in [d.field for d in form.questions] + ["corrected_offence_group", "notes"]
    ]


def claim_case(request, case, queue):
    """Take this one unassigned case (the same conditional update as "take the next case")."""
    user = request.user
    if not access.may_review(user) or not case.inspection.is_open_for_review:
        raise PermissionDenied("You cannot take this case.")
    taken = (
        SampledCase.objects.filter(pk=case.pk, assigned_to__isnull=True)
        .exclude(second_reviewer=user)
        .exclude(Exists(CaseReview.objects.filter(case=OuterRef("pk"))))
        .update(assigned_to=user)
    )
    if taken:
        casework_changed(case.inspection_id)
    if not taken:
        return refuse(
            request,
            case.inspection,
            "Someone else has taken this case, or it has been reviewed.",
            409,
            case_url(case, queue),
        )
    messages.success(request, f"Case {case.reference} is now yours to review.")
    return redirect(case_url(case, queue))


def next_in_queue(request, inspection, case, queue):
    """Where "save and next" goes: the next case in the queue, else its first, else the
    workspace."""
    queued = workflow.queue_cases(queue, inspection, request.user, cases_of(request, inspection))
    _, following = workflow.neighbours(queued, case)
    following = following or queued.exclude(pk=case.pk).order_by("reference", "pk").first()
    if following is None:
        messages.info(request, f"That was the last case in “{workflow.QUEUES[queue]}”.")
        return workspace_url(inspection, queue)
    return case_url(following, queue)


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
