"""One case's page: its record, the review form this person may fill in, the reviews they may
see, the audit trail, and taking the case or its second review."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from inspect_app.accounts import access, audit
from inspect_app.accounts.decorators import allowed_if
from inspect_app.inspections import decisions, tallies, worklist
from inspect_app.inspections.forms import ReviewForm
from inspect_app.inspections.models import CaseReview, ReviewKind
from inspect_app.inspections.views.common import (
    case_url,
    cases_of,
    casework_inspection,
    confirm_self_assignment,
    kept_page,
    needs_self_assignment_warning,
    queue_name,
    refuse,
    workspace_url,
)
from inspect_app.inspections.workflow import claims, queues, saving
from inspect_app.inspections.workflow.refusals import (
    CaseGone,
    NotAllowed,
    ReviewConflict,
    WorkflowError,
)
from inspect_app.inspections.workflow.state import (
    REVIEW_FIELDS,
    CaseState,
    describe_value,
    field_label,
)


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
        for name in REVIEW_FIELDS:
            attname = "corrected_offence_group_id" if name == "corrected_offence_group" else name
            old = getattr(before, attname) if before else None
            new = getattr(record, attname)
            if before is None and new in (None, ""):
                continue
            if before is None or old != new:
                changes.append(
                    (
                        field_label(name),
                        describe_value(name, old) if before else None,
                        describe_value(name, new),
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
            (d.question, describe_value(d.field, getattr(review, d.field)))
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
                "first": describe_value(d.field, getattr(state.first, d.field)),
                "second": describe_value(d.field, getattr(state.second, d.field)),
                "differs": d.field in differing,
            }
        )
    rows.append(
        {
            "question": "Corrected offence group",
            "first": describe_value("corrected_offence_group", state.first.corrected_offence_group),
            "second": describe_value(
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
    # Before the kept copy is looked up: a page from the cache is a consultation too.
    audit.consulted(request, case, page="case")
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
    state = CaseState.of(case)
    kind = state.kind_for(user)
    form = review_form_for(state, kind) if kind else None
    conflict = None
    status = 200

    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "claim":
            if needs_self_assignment_warning(user, [case]) and not request.POST.get("confirmed"):
                return confirm_self_assignment(request, inspection, [case], queue)
            return take_case(request, case, queue)
        if action == "claim_second":
            try:
                claims.claim_second_review(case, user)
            except WorkflowError as refusal:
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
                saving.save_review(
                    case, kind, user, form.review_values(), form.cleaned_data["version"]
                )
            except ReviewConflict as clash:
                conflict = {
                    "refusal": clash,
                    "problems": [str(clash)],
                    "attempted": attempted_answers(form),
                }
                state = CaseState.of(case)
                form = review_form_for(state, kind)
                status = 409
            except NotAllowed as refusal:
                return refuse(request, inspection, str(refusal), 403, case_url(case, queue))
            except CaseGone as refusal:
                return refuse(request, inspection, str(refusal), 410, workspace_url(inspection))
            except WorkflowError as refusal:
                return refuse(request, inspection, str(refusal), 400, case_url(case, queue))
            else:
                messages.success(request, f"Review of {case.reference} saved.")
                if action == "save_next":
                    return redirect(next_in_queue(request, inspection, case, queue))
                return redirect(case_url(case, queue))
        else:
            status = 400

    queued = queues.queue_cases(queue, inspection, user, cases_of(request, inspection))
    previous, following = queues.neighbours(queued, case)
    context = {
        "inspection": inspection,
        "case": case,
        "state": state,
        "queue": queue,
        "queue_label": queues.QUEUES[queue],
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
        "reviewers": claims.reviewers_of(inspection) if access.may_lead(user) else (),
        "no_review_reason": worklist.why_no_review(state, user) if kind is None else "",
        "kept": {"page": page},
    }
    return render(request, "inspections/case_detail.html", context, status=status)


def attempted_answers(form):
    """What the person tried to save, to show beside the conflict (nothing of it was saved)."""
    values = form.review_values()
    return [
        (field_label(name), describe_value(name, values[name]))
        for name in [d.field for d in form.questions] + ["corrected_offence_group", "notes"]
    ]


def take_case(request, case, queue):
    """Take this one unassigned case (the same conditional update as "take the next case")."""
    try:
        taken = claims.claim_case(case, request.user)
    except NotAllowed:
        raise PermissionDenied("You cannot take this case.") from None
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
    queued = queues.queue_cases(queue, inspection, request.user, cases_of(request, inspection))
    _, following = queues.neighbours(queued, case)
    following = following or queued.exclude(pk=case.pk).order_by("reference", "pk").first()
    if following is None:
        messages.info(request, f"That was the last case in “{queues.QUEUES[queue]}”.")
        return workspace_url(inspection, queue)
    return case_url(following, queue)
