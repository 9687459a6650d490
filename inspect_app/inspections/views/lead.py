"""What a lead inspector does to a whole inspection: assigning cases, setting the share
double reviewed, signing off and reopening."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from inspect_app.accounts import access
from inspect_app.accounts.decorators import allowed_if
from inspect_app.inspections import tallies
from inspect_app.inspections.forms import AssignForm, DoubleReviewShareForm
from inspect_app.inspections.models import SampledCase
from inspect_app.inspections.views.common import (
    cases_of,
    casework_inspection,
    confirm_self_assignment,
    needs_self_assignment_warning,
    queue_name,
    refuse,
    safe_next,
    workspace_url,
)
from inspect_app.inspections.workflow import claims, sample, signoff
from inspect_app.inspections.workflow.refusals import NotAllowed, WorkflowError


@require_POST
@allowed_if(access.may_lead)
def assign(request, slug):
    """A lead inspector gives one or many cases to a reviewer (all of them or none)."""
    inspection = casework_inspection(request, slug)
    back = safe_next(request, workspace_url(inspection))
    form = AssignForm(
        request.POST,
        cases=cases_of(request, inspection),
        reviewers=claims.reviewers_of(inspection),
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
        changed = claims.assign_cases(
            inspection, form.cleaned_data["cases"], assignee, second=second
        )
    except WorkflowError as refusal:
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
    try:
        sample.set_double_review_share(
            inspection, request.user, form.cleaned_data["percentage"] / 100, request=request
        )
    except NotAllowed as refusal:
        return refuse(request, inspection, str(refusal), 403, workspace_url(inspection))
    except WorkflowError as refusal:
        return refuse(request, inspection, str(refusal), 400, workspace_url(inspection))
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
        signoff.sign_off(inspection, request.user, request=request)
    except WorkflowError as refusal:
        return refuse(request, inspection, str(refusal), 409, workspace_url(inspection))
    messages.success(request, "Inspection signed off: its reviews are now read-only.")
    return redirect(workspace_url(inspection))


@require_POST
@allowed_if(access.may_lead)
def reopen(request, slug):
    """A lead inspector reopens a signed-off inspection so its reviews can change again."""
    inspection = casework_inspection(request, slug)
    try:
        signoff.reopen(inspection, request.user, request=request)
    except WorkflowError as refusal:
        return refuse(request, inspection, str(refusal), 409, workspace_url(inspection))
    messages.success(request, "Inspection reopened: its reviews can be changed again.")
    return redirect(workspace_url(inspection))
