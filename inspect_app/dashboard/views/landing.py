"""Each person's landing page, and the two addresses asked for by machines, not people."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from inspect_app.accounts import access
from inspect_app.inspections import tallies, worklist
from inspect_app.inspections.models import BatchStatus, Inspection, SampleBatch


def home(request):
    """Each person's landing page: the work waiting for them.

    Inspectors see their own queue across open inspections; lead inspectors
    that too, and what each open inspection needs of a lead; admins the
    inspections with the state of their batches. Commissioners land on their
    own force's summary.
    """
    user = request.user
    if access.reads_force_summary_only(user):
        return redirect("force-detail", slug=user.force.slug)
    my_work = worklist.my_work(user)
    context = {
        "my_work": my_work,
        "my_work_total": sum(item.total for item in my_work),
        "continue_case": next((item.next_case for item in my_work if item.next_case), None),
        "overview": worklist.overview(user, blockers=tallies.sign_off_blockers)
        if access.oversees_casework(user)
        else [],
        "may_set_up": access.may_set_up(user),
        "may_upload": access.may_upload(user),
        "oversees": access.oversees_casework(user),
        "reviews_cases": access.may_review(user),
        "own_cases_only": access.works_own_cases_only(user),
    }
    if access.may_upload(user):
        states = _batch_states(user)
        for item in context["overview"]:
            item.batch_states = states.get(item.inspection.pk, [])
    return render(request, "dashboard/home.html", context)


def _batch_states(user):
    """{inspection id: [(status label, tag, count)]} of the batches ``user`` may see."""
    states = {}
    labels = dict(BatchStatus.choices)
    rows = (
        SampleBatch.objects.visible_to(user)
        .filter(inspection__status__in=Inspection.OPEN_FOR_REVIEW)
        .values("inspection", "status")
        .annotate(count=Count("pk"))
        .order_by("inspection", "status")
    )
    for row in rows:
        states.setdefault(row["inspection"], []).append(
            (labels[row["status"]], row["status"], row["count"])
        )
    return states


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico by themselves: send them to the site's icon."""
    return redirect(static("favicon.svg"), permanent=True)


@login_not_required
def health(request):
    """For load balancers and docker-compose: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
