"""What every page of the review workflow shares: the inspection and its cases as this
person may work on them, the queue asked for, addresses, refusals, kept page parts, and the
warning a lead gets before taking a double-review case's first review."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from inspect_app.accounts import access
from inspect_app.accounts.access import may_do_casework
from inspect_app.inspections import tallies
from inspect_app.inspections.models import Inspection, SampledCase
from inspect_app.inspections.workflow import queues
from inspect_app.inspections.workflow.sample import in_double_review_sample


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
    default = "all" if access.oversees_casework(request.user) else queues.DEFAULT_QUEUE
    name = request.GET.get("queue") or request.POST.get("queue") or default
    return name if name in queues.QUEUES else default


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


def needs_self_assignment_warning(user, cases):
    """A lead taking the first review of a double-review case could no longer adjudicate it."""
    return access.may_lead(user) and any(in_double_review_sample(c) for c in cases)


def confirm_self_assignment(request, inspection, cases, queue, *, form_action=None):
    """Ask a lead to confirm before they make the first review of a double-review case."""
    sampled = [case for case in cases if in_double_review_sample(case)]
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
