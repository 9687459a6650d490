"""The page where an admin imports an inspection's extract, plans its sample and draws it.

Admins only (those who upload batches). The page parses and renders; the
import, the plan and the draw, with their audit entries, are the work of
``extracts``, ``planning`` and ``drawing``, the same code the commands run.
"""

import os
import tempfile

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from inspect_app.accounts import access, audit
from inspect_app.accounts.decorators import allowed_if
from inspect_app.core.spreadsheet import csv_text
from inspect_app.inspections.models import Inspection
from inspect_app.sampling import demo, drawing, extracts, planning, progress
from inspect_app.sampling.models import PopulationExtract


class ExtractForm(forms.Form):
    file = forms.FileField(label="The force's extract (CSV or XLSX)")
    replace = forms.BooleanField(required=False, label="Replace the extract already imported")


class PlanForm(forms.Form):
    stratify_by = forms.MultipleChoiceField(
        choices=[(name, name.replace("_", " ")) for name in planning.FIELDS],
        initial=["record_type"],
        widget=forms.CheckboxSelectMultiple,
        label="Stratify by (one or two)",
    )
    margin = forms.FloatField(initial=0.03, label="Target margin (a fraction: 0.03 is ±3 points)")
    expected_rate = forms.FloatField(initial=0.9, label="Expected rate")
    confidence = forms.FloatField(initial=0.95, label="Confidence")
    minimum = forms.IntegerField(initial=30, min_value=0, label="Minimum per stratum")
    allocation = forms.ChoiceField(
        choices=[("proportional", "Proportional"), ("neyman", "Neyman"), ("equal", "Equal")]
    )
    fpc = forms.BooleanField(initial=True, required=False, label="Finite population correction")


class DrawForm(forms.Form):
    seed = forms.CharField(label="Seed (a whole number, kept with the draw)", max_length=20)


def _inspection(request, slug):
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("force", "programme"),
        slug=slug,
    )


def _propose(inspection, data):
    return planning.propose(
        inspection,
        stratify_by=data["stratify_by"],
        margin=data["margin"],
        expected_rate=data["expected_rate"],
        confidence=data["confidence"],
        minimum=data["minimum"],
        allocation_method=data["allocation"],
        fpc=data["fpc"],
    )


def _import(request, inspection, form):
    upload = form.cleaned_data["file"]
    handle, path = tempfile.mkstemp(suffix=os.path.splitext(upload.name)[1])
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        outcome = extracts.import_extract(
            path,
            inspection,
            filename=upload.name,
            by=request.user,
            request=request,
            replace=form.cleaned_data["replace"],
        )
    except extracts.ExtractRefused as refusal:
        for line in refusal.errors[:50]:
            form.add_error("file", line)
        if refusal.count > 50:
            form.add_error("file", f"… and {refusal.count - 50:,} more errors")
        return False
    finally:
        os.unlink(path)
    messages.success(request, f"{outcome.records:,} records imported.")
    return True


@allowed_if(access.may_upload)
@require_http_methods(["GET", "POST"])
def sample_page(request, slug):
    """The extract, the plan and the draw of one inspection, in the order they are done."""
    inspection = _inspection(request, slug)
    action = request.POST.get("action") if request.method == "POST" else None
    extract_form = ExtractForm(
        request.POST if action == "import" else None, request.FILES if action == "import" else None
    )
    plan_form = PlanForm(request.POST if action in ("preview", "save") else None)
    draw_form = DrawForm(request.POST if action == "draw" else None)
    proposal, problem = None, ""
    if action == "import" and extract_form.is_valid():
        if _import(request, inspection, extract_form):
            return redirect("inspection-sample", slug=inspection.slug)
    elif action in ("preview", "save") and plan_form.is_valid():
        try:
            proposal = _propose(inspection, plan_form.cleaned_data)
            if action == "save":
                plan = planning.save(proposal, by=request.user, request=request)
                messages.success(request, f"Saved as plan {plan.version}.")
                return redirect("inspection-sample", slug=inspection.slug)
        except planning.PlanRefused as refusal:
            problem = str(refusal)
            plan_form.add_error(None, problem[0].upper() + problem[1:])
    elif action == "draw" and draw_form.is_valid():
        try:
            draw = drawing.draw_sample(
                inspection, draw_form.cleaned_data["seed"], by=request.user, request=request
            )
        except drawing.DrawRefused as refusal:
            message = str(refusal)
            draw_form.add_error("seed", message[0].upper() + message[1:])
        else:
            messages.success(request, f"Drew {draw.drawn.count():,} cases with seed {draw.seed}.")
            return redirect("inspection-sample", slug=inspection.slug)
    extract = PopulationExtract.objects.filter(inspection=inspection).first()
    draw = getattr(inspection, "draw", None) if extract else None
    errors = extract_form.errors or plan_form.errors or draw_form.errors
    return render(
        request,
        "sampling/sample.html",
        {
            "inspection": inspection,
            "extract": extract,
            "extract_form": extract_form,
            "plan_form": plan_form,
            "draw_form": draw_form,
            "all_forms": (extract_form, plan_form, draw_form),
            "proposal": proposal,
            "plan": planning.current_plan(inspection),
            "draw": draw,
            "strata": progress.by_stratum(inspection),
            "max_megabytes": extracts.max_bytes() / 1048576,
        },
        status=400 if errors else 200,
    )


@allowed_if(access.may_upload)
@require_GET
def sample_listing(request, slug):
    """The drawn records as CSV, to send to the force."""
    inspection = _inspection(request, slug)
    draw = getattr(inspection, "draw", None)
    if draw is None:
        messages.error(request, "Nothing has been drawn yet.")
        return redirect("inspection-sample", slug=inspection.slug)
    rows = drawing.listing(draw)
    audit.disclosed(request, inspection, report="sample_listing", format="csv")
    columns = ("reference", "stratum", "population", "sample", "weight")
    body = csv_text(columns, [[row[column] for column in columns] for row in rows])
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{inspection.slug}-sample.csv"'
    return response


@allowed_if(access.may_upload)
@require_GET
def example_extract(request, slug):
    """A generated extract for this inspection, to try the import with."""
    inspection = _inspection(request, slug)
    response = HttpResponse(demo.example_extract_csv(inspection), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{inspection.slug}-extract.csv"'
    return response
