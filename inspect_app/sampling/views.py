"""The page where an admin imports an inspection's extract, plans its sample and draws it.

Admins only (those who upload batches). The page parses and renders; the
import, the plan and the draw, with their audit entries, are the work of
``extracts``, ``planning`` and ``drawing``, the same code the commands run.
"""

import hashlib
import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from inspect_app.accounts import access, audit
from inspect_app.accounts.decorators import allowed_if
from inspect_app.core.spreadsheet import csv_text
from inspect_app.inspections.models import Inspection
from inspect_app.sampling import demo, drawing, extracts, naming, planning, progress, tasks
from inspect_app.sampling.models import ExtractImport, ImportStatus, PopulationExtract

#: How often the import's progress page asks again, without JavaScript (seconds).
REFRESH_SECONDS = 2
#: Each allocation as a sentence names it ("by record type, Neyman allocation").
ALLOCATION_WORDS = {"proportional": "proportional", "neyman": "Neyman", "equal": "equal"}
#: Errors shown on the form when a file is refused before it is queued.
ERRORS_ON_FORM = 50


class ExtractForm(forms.Form):
    file = forms.FileField(label="The force's extract (CSV or XLSX)")
    replace = forms.BooleanField(required=False, label="Replace the extract already imported")


class PlanForm(forms.Form):
    stratify_by = forms.MultipleChoiceField(
        choices=[(name, naming.FIELD_NAMES[name].capitalize()) for name in planning.FIELDS],
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


class TopUpForm(forms.Form):
    """More records of one stratum, drawn after the first draw (some were unauditable)."""

    stratum = forms.TypedChoiceField(coerce=int, label="Stratum to top up")
    count = forms.IntegerField(
        label="How many more records",
        min_value=1,
        error_messages={
            "required": "Enter how many more records to draw, such as 5",
            "invalid": "Enter how many more records to draw as a whole number, such as 5",
            "min_value": "A top-up draws at least one more record",
        },
    )
    reason = forms.CharField(
        label="Why (kept with the top-up)",
        max_length=300,
        error_messages={"required": "Say why the stratum is topped up, such as unauditable"},
    )

    def __init__(self, *args, strata=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.strata = {stratum.pk: stratum for stratum in strata}
        self.fields["stratum"].choices = [
            (stratum.pk, f"{stratum.name} ({stratum.remaining:,} not yet drawn)")
            for stratum in strata
        ]

    def clean(self):
        cleaned = super().clean()
        stratum = self.strata.get(cleaned.get("stratum"))
        count = cleaned.get("count")
        if stratum is not None and count is not None and count > stratum.remaining:
            self.add_error(
                "count",
                f"{stratum.name} has {stratum.remaining:,} records not yet drawn: "
                f"a top-up of {count:,} is more than it holds",
            )
        return cleaned


@dataclass
class StratumRate:
    """One stratum's expected-rate field on the plan form."""

    label: str
    name: str
    field_name: str
    value: str
    error: str = ""
    rate: float | None = None

    @property
    def field_id(self) -> str:
        return f"id_{self.field_name}"


def rate_field_name(label: str) -> str:
    """A field name that stays with its stratum across previews (not with its position)."""
    return "rate_" + hashlib.sha256(label.encode()).hexdigest()[:12]


def _stratum_rates(inspection, data, stratify_by) -> list[StratumRate]:
    """The expected rate given for each stratum of this stratification, checked."""
    groups = naming.offence_group_names()
    rates = []
    for key in planning.stratum_keys(inspection, stratify_by):
        label = planning.label_of(key)
        name = naming.stratum_name(key, groups)
        field_name = rate_field_name(label)
        item = StratumRate(label, name, field_name, (data.get(field_name) or "").strip())
        if item.value:
            try:
                number = float(item.value.rstrip("%"))
            except ValueError:
                number = None
            if number is not None and 0 < number < 1 and not item.value.endswith("%"):
                item.rate = number
            elif number is not None and 1 < number < 100:
                item.error = (
                    f"The expected rate of {name} must be a fraction between 0 and 1: "
                    f"{number / 100:g} for {number:g}%"
                )
            else:
                item.error = (
                    f"The expected rate of {name} must be a number between 0 and 1 "
                    "(not 0 or 1), such as 0.85"
                )
        rates.append(item)
    return rates


def _inspection(request, slug):
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("force", "programme"),
        slug=slug,
    )


def _propose(inspection, data, rates=()):
    return planning.propose(
        inspection,
        stratify_by=data["stratify_by"],
        margin=data["margin"],
        expected_rate=data["expected_rate"],
        confidence=data["confidence"],
        minimum=data["minimum"],
        allocation_method=data["allocation"],
        fpc=data["fpc"],
        stratum_rates={item.label: item.rate for item in rates if item.rate is not None},
    )


def _import(request, inspection, form):
    """Store the upload and queue its import; False (errors on the form) if refused at once."""
    upload = form.cleaned_data["file"]
    try:
        job = tasks.receive(
            inspection, upload, replace=form.cleaned_data["replace"], by=request.user
        )
    except extracts.ExtractRefused as refusal:
        for line in refusal.errors[:ERRORS_ON_FORM]:
            form.add_error("file", line[0].upper() + line[1:])
        if refusal.count > ERRORS_ON_FORM:
            form.add_error("file", f"… and {refusal.count - ERRORS_ON_FORM:,} more errors")
        return False
    except tasks.ImportRunning as running:
        form.add_error("file", str(running)[0].upper() + str(running)[1:])
        return False
    tasks.start(job)
    return True


def _plan_action(request, inspection, action, plan_form):
    """Preview or save a plan; the response to send, or the page's proposal and rates."""
    rates = _stratum_rates(inspection, request.POST, plan_form.cleaned_data["stratify_by"])
    if any(item.error for item in rates):
        return None, None, rates
    try:
        proposal = _propose(inspection, plan_form.cleaned_data, rates)
        if action == "save":
            plan = planning.save(proposal, by=request.user, request=request)
            messages.success(request, f"Saved as plan {plan.version}.")
            return redirect("inspection-sample", slug=inspection.slug), None, rates
    except planning.PlanRefused as refusal:
        problem = str(refusal)
        plan_form.add_error(None, problem[0].upper() + problem[1:])
        return None, None, rates
    return None, proposal, rates


def _plan_rows(rates, proposal):
    """The strata table of the plan form: each stratum's rate field, and its planned sample
    once previewed (both in the extract's stratum order)."""
    planned = {stratum.label: stratum for stratum in proposal.strata} if proposal else {}
    return [(item, planned.get(item.label)) for item in rates]


def _top_up(request, inspection, form):
    stratum = form.strata[form.cleaned_data["stratum"]]
    try:
        made = drawing.top_up(
            inspection,
            stratum.pk,
            form.cleaned_data["count"],
            reason=form.cleaned_data["reason"],
            by=request.user,
            request=request,
        )
    except drawing.DrawRefused as refusal:
        message = str(refusal)
        form.add_error("count", message[0].upper() + message[1:])
        return False
    messages.success(
        request, f"Drew {made.count:,} more records of {stratum.name} (top-up {made.round})."
    )
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
    strata = progress.by_stratum(inspection)
    top_up_form = TopUpForm(request.POST if action == "top-up" else None, strata=strata)
    proposal, rates = None, []
    if action == "import" and extract_form.is_valid():
        if _import(request, inspection, extract_form):
            return redirect("inspection-extract-import", slug=inspection.slug)
    elif action in ("preview", "save") and plan_form.is_valid():
        response, proposal, rates = _plan_action(request, inspection, action, plan_form)
        if response is not None:
            return response
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
    elif (
        action == "top-up" and top_up_form.is_valid() and _top_up(request, inspection, top_up_form)
    ):
        return redirect("inspection-sample", slug=inspection.slug)
    extract = PopulationExtract.objects.filter(inspection=inspection).first()
    draw = getattr(inspection, "draw", None) if extract else None
    plan = planning.current_plan(inspection)
    forms_shown = (extract_form, plan_form, draw_form, top_up_form)
    errors = any(form.errors for form in forms_shown) or any(item.error for item in rates)
    return render(
        request,
        "sampling/sample.html",
        {
            "inspection": inspection,
            "extract": extract,
            "extract_form": extract_form,
            "plan_form": plan_form,
            "draw_form": draw_form,
            "top_up_form": top_up_form,
            "all_forms": forms_shown,
            "has_errors": errors,
            "proposal": proposal,
            "plan_rows": _plan_rows(rates, proposal),
            "plan": plan,
            "plan_fields": naming.fields_in_words(plan.stratify_by) if plan else "",
            "plan_allocation": ALLOCATION_WORDS.get(plan.allocation, "") if plan else "",
            "draw": draw,
            "top_ups": [
                (made, naming.stratum_name(made.stratum.key))
                for made in (draw.top_ups.select_related("stratum", "by") if draw else ())
            ],
            "strata": strata,
            "last_import": ExtractImport.objects.filter(inspection=inspection)
            .select_related("started_by")
            .first(),
            "max_megabytes": extracts.max_bytes() / 1048576,
        },
        status=400 if errors else 200,
    )


ERROR_LINE = re.compile(r"^row (?P<row>\d+), column (?P<column>[^:]+): (?P<message>.*)$", re.S)


def _error_rows(job) -> list[dict]:
    """The job's errors as row, column and message (a line of another shape as a message)."""
    rows = []
    for line in job.errors:
        match = ERROR_LINE.match(line)
        rows.append(match.groupdict() if match else {"row": "", "column": "", "message": line})
    return rows


def _import_status(job) -> dict:
    """What the import's progress page and its JSON poll show."""
    reported = tasks.read_progress(job.pk)
    rows_done = job.records if job.finished else reported.get("rows_done", 0)
    if job.finished:
        percent = 100
    elif job.rows_expected:
        # The line count is an estimate: the bar stays short of full until the job is done.
        percent = min(99, int(100 * rows_done / job.rows_expected))
    else:
        percent = 0
    # What the bar's label says: the script polling the status keeps it up to date, so a
    # page opened while the job waited does not go on saying so once the worker starts.
    stage = (
        "Checking and storing every record"
        if job.status == ImportStatus.PROCESSING or rows_done
        else "Waiting to start"
    )
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "stage": stage,
        "finished": job.finished,
        "percent": percent,
        "rows_done": rows_done,
        "rows_total": job.rows_expected,
        "error_count": job.error_count,
        "result_url": reverse("inspection-extract-import", kwargs={"slug": job.inspection.slug}),
    }


def _latest_import(request, slug):
    inspection = _inspection(request, slug)
    job = (
        ExtractImport.objects.filter(inspection=inspection)
        .select_related("inspection__force", "inspection__programme", "started_by")
        .first()
    )
    return inspection, job


@allowed_if(access.may_upload)
@require_GET
def extract_import(request, slug):
    """The latest extract upload: its progress while it imports, then what became of it."""
    inspection, job = _latest_import(request, slug)
    if job is None:
        messages.info(request, "No extract has been uploaded to this inspection yet.")
        return redirect("inspection-sample", slug=inspection.slug)
    errors = _error_rows(job)
    return render(
        request,
        "sampling/extract_import.html",
        {
            "inspection": inspection,
            "job": job,
            "progress": _import_status(job),
            "refresh_seconds": REFRESH_SECONDS,
            "errors": errors,
            "errors_cut_short": job.error_count > len(errors),
        },
        status=200,
    )


@allowed_if(access.may_upload)
@require_GET
def extract_import_status(request, slug):
    """The latest upload's progress as JSON, for the page's script to poll."""
    _, job = _latest_import(request, slug)
    if job is None:
        # Nothing to follow: the script goes back to the page where an extract is uploaded.
        status = {
            "status": "none",
            "finished": True,
            "percent": 0,
            "rows_done": 0,
            "result_url": reverse("inspection-sample", kwargs={"slug": slug}),
        }
        return JsonResponse(status, headers={"Cache-Control": "no-store"})
    response = JsonResponse(_import_status(job))
    response["Cache-Control"] = "no-store"
    return response


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
