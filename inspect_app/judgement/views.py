"""The follow-up pages: the outliers list and each case file with its next step, an
inspection's findings recorded and moved on, and a programme's grade bands."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from inspect_app.accounts import access
from inspect_app.accounts.decorators import allowed_if
from inspect_app.core import judgement
from inspect_app.inspections.models import Inspection, Programme
from inspect_app.judgement import findings, grading, outliers
from inspect_app.judgement.models import OutlierCase, OutlierOutcome, OutlierStatus


@allowed_if(access.may_follow_up)
def outlier_list(request):
    """Every outlier case, newest programme first, with its clock and overdue flag."""
    programmes = Programme.objects.visible_to(request.user).order_by("-year", "name")
    chosen = None
    slug = request.GET.get("programme")
    if slug:
        chosen = programmes.filter(slug=slug).first()
    cases = (
        OutlierCase.objects.visible_to(request.user)
        .select_related("inspection__force", "inspection__programme", "told_by")
        .order_by("inspection__programme__name", "inspection__force__name", "metric")
    )
    if chosen is not None:
        cases = cases.filter(inspection__programme=chosen)
    return render(
        request,
        "judgement/outlier_list.html",
        {
            "cases": list(cases),
            "programmes": programmes,
            "chosen": chosen,
            "unknown_programme": bool(slug) and chosen is None,
            "may_set_bands": access.may_set_grade_bands(request.user),
        },
    )


@allowed_if(access.may_follow_up)
@require_POST
def outlier_detect(request):
    programme = (
        Programme.objects.visible_to(request.user)
        .filter(slug=request.POST.get("programme", ""))
        .first()
    )
    if programme is None:
        messages.error(request, "Choose a programme to look for outliers in.")
        return redirect("outlier-list")
    opened = outliers.detect(programme, by=request.user, request=request)
    messages.success(
        request,
        f"{len(opened)} new outlier{'s' if len(opened) != 1 else ''} found in {programme}.",
    )
    return redirect(f"{reverse('outlier-list')}?programme={programme.slug}")


@allowed_if(access.may_follow_up)
def outlier_detail(request, pk):
    """One case file: where it stands on its clock, and the form for its next step."""
    case = get_object_or_404(
        OutlierCase.objects.visible_to(request.user).select_related(
            "inspection__force", "inspection__programme", "told_by", "response_by", "outcome_by"
        ),
        pk=pk,
    )
    error = ""
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "tell":
                outliers.tell_force(case, by=request.user, request=request)
            elif step == "response":
                outliers.record_response(
                    case, by=request.user, text=request.POST.get("response", ""), request=request
                )
            elif step == "outcome":
                outliers.record_outcome(
                    case,
                    by=request.user,
                    outcome=request.POST.get("outcome", ""),
                    notes=request.POST.get("notes", ""),
                    request=request,
                )
            else:
                raise outliers.StepRefused("Choose a step for this case.")
        except outliers.StepRefused as refused:
            error = str(refused)
        else:
            messages.success(request, f"Recorded: {case.status_label.lower()}.")
            return redirect("outlier-detail", pk=case.pk)
    return render(
        request,
        "judgement/outlier_detail.html",
        {
            "case": case,
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
            "Status": OutlierStatus,
            "outcomes": OutlierOutcome.choices,
            "working_days": outliers.rules_of(case.inspection.programme).response_working_days,
        },
        status=400 if error else 200,
    )


@allowed_if(access.may_follow_up)
@require_POST
def finding_add(request, slug):
    inspection = get_object_or_404(Inspection.objects.visible_to(request.user), slug=slug)
    try:
        findings.add(
            inspection,
            kind=request.POST.get("kind", ""),
            text=request.POST.get("text", ""),
            by=request.user,
            request=request,
        )
    except findings.FindingRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Finding recorded.")
    return redirect("inspection-judgement", slug=inspection.slug)


@allowed_if(access.may_follow_up)
@require_POST
def finding_update(request, pk):
    finding = get_object_or_404(
        findings.Finding.objects.visible_to(request.user).select_related("inspection"), pk=pk
    )
    try:
        findings.move(
            finding,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            reinspection_slug=request.POST.get("reinspection", ""),
            by=request.user,
            request=request,
        )
    except findings.FindingRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Finding updated.")
    return redirect("inspection-judgement", slug=finding.inspection.slug)


@allowed_if(access.may_set_grade_bands)
def grade_bands(request, slug):
    """A programme's grade bands: the version in force, its history, and a form to set new."""
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    error = ""
    text = ""
    if request.method == "POST":
        text = request.POST.get("bands", "")
        try:
            bands = [] if "clear" in request.POST else judgement.parse_bands(text)
        except judgement.JudgementError as refused:
            error = f"{refused}."
        else:
            grading.set_bands(programme, bands, by=request.user, request=request)
            messages.success(request, "Grade bands cleared." if not bands else "Grade bands set.")
            return redirect("grade-bands", slug=programme.slug)
    current = grading.current_bands(programme)
    if not text:
        text = ",".join(f"{grade}:{bound:g}" for grade, bound in current) or (
            "outstanding:0.95,good:0.90,requires improvement:0.85,inadequate:0"
        )
    versions = programme.grade_band_sets.select_related("set_by").order_by("-version")
    return render(
        request,
        "judgement/grade_bands.html",
        {
            "programme": programme,
            "current": current,
            "versions": versions,
            "text": text,
            "error": error,
        },
        status=400 if error else 200,
    )
