"""Pages for uploading a sample batch, following its progress and reading the result.

Admins only. Every object comes through ``visible_to(request.user)``. The
pages parse and render: receiving, withdrawing and their audit entries are
the work of :mod:`receiving` and :mod:`withdrawal`, the same code the command
line runs.
"""

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from inspect_app.accounts import access, audit
from inspect_app.accounts.decorators import allowed_if
from inspect_app.core.spreadsheet import csv_text
from inspect_app.inspections.models import BatchStatus, Inspection, SampleBatch
from inspect_app.uploads import examples, receiving, tasks, withdrawal
from inspect_app.uploads.columns import COLUMNS
from inspect_app.uploads.errors import MAX_STORED_ERRORS, BatchError
from inspect_app.uploads.forms import BatchUploadForm
from inspect_app.uploads.progress import read_progress

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: How often the progress page asks again, without JavaScript (seconds).
REFRESH_SECONDS = 2


def _inspection(request, slug):
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("force", "programme"),
        slug=slug,
    )


def _batch(request, pk):
    return get_object_or_404(
        SampleBatch.objects.visible_to(request.user).select_related(
            "inspection__force", "inspection__programme", "uploaded_by", "withdrawn_by"
        ),
        pk=pk,
    )


@allowed_if(access.may_upload)
@require_http_methods(["GET", "POST"])
def batch_upload(request, slug):
    """Choose a file for an inspection; the batches uploaded to it so far."""
    inspection = _inspection(request, slug)
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = receiving.receive(
                inspection,
                upload,
                filename=upload.name,
                by=request.user,
                request=request,
                ignored_columns=form.cleaned_data["ignore_columns"],
            )
        except receiving.BatchRefused as refusal:
            for error in refusal.errors:
                form.add_error("file", error.message[0].upper() + error.message[1:])
        else:
            tasks.start_processing(batch)
            return redirect("batch-detail", pk=batch.pk)
    batches = (
        SampleBatch.objects.visible_to(request.user)
        .filter(inspection=inspection)
        .select_related("uploaded_by")
    )
    return render(
        request,
        "uploads/upload.html",
        {
            "inspection": inspection,
            "form": form,
            "batches": batches,
            "columns": COLUMNS,
            "max_megabytes": receiving.max_bytes() / 1048576,
        },
        status=400 if form.errors else 200,
    )


def _status(batch) -> dict:
    """What the progress page and its JSON poll show."""
    progress = read_progress(batch.pk)
    finished = batch.status not in (BatchStatus.PENDING, BatchStatus.PROCESSING)
    percent = 100 if finished else progress.get("percent", 0)
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "finished": finished,
        "phase": progress.get("phase", "waiting") if not finished else "finished",
        "percent": percent,
        "rows_done": batch.row_count if finished else progress.get("rows_done", 0),
        "rows_total": batch.row_count if finished else progress.get("rows_total"),
        "error_count": batch.error_count,
        "result_url": reverse("batch-detail", kwargs={"pk": batch.pk}),
    }


@allowed_if(access.may_upload)
@require_GET
def batch_detail(request, pk):
    """Progress while the batch is processed; then what was imported, or every error."""
    batch = _batch(request, pk)
    status = _status(batch)
    errors = [BatchError.from_dict(item) for item in batch.errors]
    context = {
        "batch": batch,
        "inspection": batch.inspection,
        "progress": status,
        "refresh_seconds": REFRESH_SECONDS,
        "errors": errors,
        "errors_cut_short": batch.error_count > len(errors),
        "max_stored_errors": MAX_STORED_ERRORS,
    }
    if batch.status == BatchStatus.IMPORTED:
        context["withdrawal_blockers"] = withdrawal.withdrawal_blockers(batch)
    # A completed workbook of drawn cases brought reviews, not cases of its own.
    context["of_drawn_cases"] = withdrawal.is_workbook_of_drawn_cases(batch)
    return render(request, "uploads/batch_detail.html", context)


@allowed_if(access.may_upload)
@require_GET
def batch_status(request, pk):
    """The progress of one batch as JSON, for the page's script to poll."""
    response = JsonResponse(_status(_batch(request, pk)))
    response["Cache-Control"] = "no-store"
    return response


@allowed_if(access.may_upload)
@require_GET
def batch_errors_csv(request, pk):
    """The batch's errors as a CSV file (cells neutralised against formula injection)."""
    batch = _batch(request, pk)
    rows = [(item["row"], item["column"], item["message"]) for item in batch.errors]
    # The messages quote the file's cells: casework leaving the service.
    audit.disclosed(request, batch, download="errors.csv", errors=len(rows))
    response = HttpResponse(
        csv_text(("row", "column", "message"), rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-errors.csv"'
    return response


@allowed_if(access.may_upload)
@require_http_methods(["GET", "POST"])
def batch_withdraw(request, pk):
    """Confirm, then remove the batch's cases and reviews, if none has been worked on."""
    batch = _batch(request, pk)
    blockers = withdrawal.withdrawal_blockers(batch)
    if request.method == "POST" and not blockers:
        goes = withdrawal.what_goes(batch)
        try:
            removed = withdrawal.withdraw(batch, request.user, request=request)
        except withdrawal.WithdrawalRefused as refusal:
            blockers = [str(refusal)]
        else:
            if goes["drawn"]:
                reviews = (
                    "the review it recorded was"
                    if removed == 1
                    else f"the {removed:,} reviews it recorded were"
                )
                done = f"{reviews} removed; the drawn cases stay in the sample."
            else:
                done = f"{removed:,} cases and their reviews were removed."
            messages.success(request, f"Batch withdrawn: {done}")
            return redirect("batch-detail", pk=batch.pk)
    return render(
        request,
        "uploads/withdraw.html",
        {
            "batch": batch,
            "inspection": batch.inspection,
            "blockers": blockers,
            "assigned": withdrawal.assigned_cases(batch),
            "goes": withdrawal.what_goes(batch),
        },
        status=409 if request.method == "POST" and blockers else 200,
    )


@allowed_if(access.may_upload)
@require_GET
def batch_template(request, extension):
    """The blank template: the header row of every column."""
    if extension == "xlsx":
        response = HttpResponse(examples.template_xlsx(), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(examples.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="batch-template.{extension}"'
    return response


@allowed_if(access.may_upload)
@require_GET
def batch_example(request, slug):
    """A worked example for this inspection, which imports cleanly as it is."""
    inspection = _inspection(request, slug)
    response = HttpResponse(
        examples.example_csv(inspection), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="batch-example-{inspection.slug}.csv"'
    return response
