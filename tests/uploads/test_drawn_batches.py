"""A completed workbook of drawn cases: its dry run checks what its import checks, and its
withdrawal takes back exactly the reviews (and summaries) it recorded, leaving the sample."""

import pytest
from django.urls import reverse

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.inspections.models import (
    BatchStatus,
    CaseReview,
    ReviewKind,
    SampleBatch,
    SampledCase,
)
from inspect_app.sampling import drawing, planning
from inspect_app.uploads import withdrawal
from inspect_app.uploads.models import DrawnCaseEntry
from tests.factories import CaseReviewFactory
from tests.management import run_command
from tests.sampling.helpers import small_extract

pytestmark = pytest.mark.django_db

HEADER = "reference,record_type,reported_at,summary,should_record,was_recorded,reviewer\n"


@pytest.fixture
def drawn(inspection_a, tmp_path, inspector_user):
    """Essex's sample drawn from an 80-incident extract; five drawn incidents, the first
    with no summary (the extract had none)."""
    small_extract(inspection_a, tmp_path, incidents=80, no_crimes=0)
    planning.save(
        planning.propose(inspection_a, stratify_by="record_type", margin=0.15, minimum=10)
    )
    drawing.draw_sample(inspection_a, 2014)
    picked = list(
        SampledCase.objects.filter(inspection=inspection_a)
        .order_by("reference")
        .values_list("reference", flat=True)[:5]
    )
    SampledCase.objects.filter(reference=picked[0]).update(summary="")
    return picked


def workbook(write_file, rows, name="completed.csv"):
    return str(write_file(HEADER + "".join(rows), name=name))


def row(reference, reviewer, *, summary="", recorded="yes", record_type="incident"):
    return f"{reference},{record_type},2025-03-04 10:00,{summary},yes,{recorded},{reviewer}\n"


def import_workbook(path, inspection, *extra):
    status, out, err = run_command("import_batch", path, "--inspection", inspection.slug, *extra)
    return status, out, err


# --- the dry run checks what the import checks -----------------------------------------------


def test_a_dry_run_refuses_a_reference_outside_the_drawn_sample_and_writes_nothing(
    drawn, write_file, inspection_a, inspector_user
):
    name = inspector_user.username
    path = workbook(write_file, [row(drawn[0], name), row("NOT-DRAWN", name)])
    summaries = dict(SampledCase.objects.values_list("reference", "summary"))

    status, out, err = import_workbook(path, inspection_a, "--dry-run")

    assert status == 1, out
    assert "row 3, column reference: 'NOT-DRAWN' is not in this inspection's drawn sample" in err
    assert not SampleBatch.objects.exists() and not CaseReview.objects.exists()
    assert dict(SampledCase.objects.values_list("reference", "summary")) == summaries


def test_a_clean_dry_run_says_what_it_would_record_and_records_nothing(
    drawn, write_file, inspection_a, inspector_user
):
    name = inspector_user.username
    path = workbook(
        write_file,
        [
            row(drawn[0], name, summary="found in the log"),  # fills the missing summary
            row(drawn[1], name, summary="ignored: it has one"),
            f"{drawn[2]},incident,2025-03-04 10:00,,,,\n",  # no decisions: no review
        ],
    )
    cases = SampledCase.objects.count()

    status, out, err = import_workbook(path, inspection_a, "--dry-run")

    assert status == 0, err
    assert out.strip() == (
        "3 rows checked: no errors; it would record 2 reviews of drawn cases and fill in "
        "1 missing summary (dry run, nothing imported)"
    )
    assert SampledCase.objects.count() == cases
    assert not CaseReview.objects.exists() and not SampleBatch.objects.exists()
    assert SampledCase.objects.get(reference=drawn[0]).summary == ""


def test_the_dry_run_and_the_import_find_the_same_errors(
    drawn, write_file, inspection_a, inspector_user
):
    name = inspector_user.username
    # drawn[1] already has a first review, made in the app.
    CaseReviewFactory(
        case=SampledCase.objects.get(reference=drawn[1]),
        reviewer=inspector_user,
        should_record=True,
        was_recorded=True,
    )
    path = workbook(
        write_file,
        [
            row(drawn[0], name),
            row(drawn[0], name),  # the same case twice
            row(drawn[1], name),  # already reviewed
            row(drawn[2], name, record_type="other_system"),  # not the drawn record's type
            row("NOT-DRAWN", name),
        ],
    )

    dry_status, _, dry_err = import_workbook(path, inspection_a, "--dry-run")
    status, _, err = import_workbook(path, inspection_a)

    assert dry_status == status == 1
    assert dry_err == err
    assert err.splitlines() == [
        "row 3, column reference: also on row 2: one row per case",
        "row 4, column (file): this case already has a first review",
        "row 5, column record_type: the drawn case's record type is incident, not other_system",
        "row 6, column reference: 'NOT-DRAWN' is not in this inspection's drawn sample: a "
        "completed workbook records reviews of the drawn cases only",
    ]
    assert CaseReview.objects.count() == 1  # the one made in the app
    assert SampleBatch.objects.get().status == BatchStatus.FAILED


# --- withdrawal takes back what the workbook wrote ---------------------------------------------


@pytest.fixture
def two_workbooks(drawn, write_file, inspection_a, inspector_user):
    """The first workbook reviews drawn[0] (filling its summary) and drawn[1]; a second
    reviews drawn[2]; an inspector reviewed drawn[3] in the app."""
    name = inspector_user.username
    first = workbook(
        write_file, [row(drawn[0], name, summary="found in the log"), row(drawn[1], name)]
    )
    assert import_workbook(first, inspection_a)[0] == 0
    second = workbook(write_file, [row(drawn[2], name, recorded="no")], name="second.csv")
    assert import_workbook(second, inspection_a)[0] == 0
    CaseReviewFactory(
        case=SampledCase.objects.get(reference=drawn[3]),
        reviewer=inspector_user,
        should_record=True,
        was_recorded=False,
    )
    batches = SampleBatch.objects.order_by("pk")
    return batches[0], batches[1]


def reviewed_references():
    return set(CaseReview.objects.values_list("case__reference", flat=True))


def test_withdrawing_a_workbook_removes_exactly_its_reviews_and_keeps_the_sample(
    drawn, two_workbooks, admin_user, inspection_a, monkeypatch
):
    batch, other = two_workbooks
    asked = []
    monkeypatch.setattr("inspect_app.compliance.signals.request_recompute", asked.append)
    cases = set(SampledCase.objects.values_list("pk", flat=True))
    mine = set(
        CaseReview.objects.filter(case__reference__in=drawn[:2]).values_list("pk", flat=True)
    )

    removed = withdrawal.withdraw(batch, admin_user)

    assert removed == 2
    batch.refresh_from_db()
    assert batch.status == BatchStatus.WITHDRAWN and batch.withdrawn_by == admin_user
    # The drawn cases all stay; only this workbook's two reviews went.
    assert set(SampledCase.objects.values_list("pk", flat=True)) == cases
    assert reviewed_references() == {drawn[2], drawn[3]}
    assert not CaseReview.objects.filter(pk__in=mine).exists()
    # The summary it filled in is empty again; the extract's own summaries stay.
    assert SampledCase.objects.get(reference=drawn[0]).summary == ""
    assert SampledCase.objects.get(reference=drawn[1]).summary.startswith("story ")
    assert set(asked) == {inspection_a.programme_id}
    assert [event.details for event in AuditEvent.objects.filter(action=AuditAction.ERASURE)] == [
        {"reason": "withdrawal", "cases_removed": 0, "reviews_removed": 2, "summaries_cleared": 1}
    ]
    # The other workbook can still be withdrawn on its own.
    assert withdrawal.withdrawal_blockers(other) == []


def test_each_withdrawn_review_keeps_its_history_from_import_to_withdrawal(
    drawn, two_workbooks, admin_user
):
    batch, _ = two_workbooks
    mine = list(
        CaseReview.objects.filter(case__reference__in=drawn[:2]).values_list("pk", flat=True)
    )
    withdrawal.withdraw(batch, admin_user)
    for review_id in mine:
        history = list(
            CaseReview.history.filter(id=review_id)
            .order_by("history_date", "history_id")
            .values_list("history_type", "history_change_reason", "history_user_id")
        )
        assert history == [
            ("+", f"Imported from sample batch {batch.pk} (completed.csv)", None),
            ("-", f"Withdrawn with sample batch {batch.pk} (completed.csv)", admin_user.pk),
        ]
    # The other reviews' history gained nothing.
    assert not CaseReview.history.filter(history_type="-").exclude(id__in=mine).exists()


def test_the_same_workbook_may_be_imported_again_once_withdrawn(
    drawn, two_workbooks, admin_user, write_file, inspection_a, inspector_user
):
    batch, _ = two_workbooks
    withdrawal.withdraw(batch, admin_user)
    name = inspector_user.username
    again = workbook(
        write_file, [row(drawn[0], name, summary="found in the log"), row(drawn[1], name)]
    )
    status, out, err = import_workbook(again, inspection_a)
    assert status == 0, err
    assert reviewed_references() == set(drawn[:4])
    assert SampledCase.objects.get(reference=drawn[0]).summary == "found in the log"


def _refused(batch, admin_user, reason):
    before = sorted(CaseReview.objects.values_list("pk", "version"))
    with pytest.raises(withdrawal.WithdrawalRefused, match=reason):
        withdrawal.withdraw(batch, admin_user)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTED
    assert sorted(CaseReview.objects.values_list("pk", "version")) == before
    assert not AuditEvent.objects.filter(action=AuditAction.ERASURE).exists()


def test_a_review_changed_in_the_app_blocks_the_withdrawal(drawn, two_workbooks, admin_user):
    batch, _ = two_workbooks
    review = CaseReview.objects.get(case__reference=drawn[1])
    review.notes = "checked again"
    review.version += 1
    review.save()
    _refused(batch, admin_user, rf"1 of its cases has been reviewed .*\(for example {drawn[1]}\)")


def test_an_adjudicated_review_blocks_the_withdrawal(drawn, two_workbooks, admin_user, lead_user):
    batch, _ = two_workbooks
    CaseReviewFactory(
        case=SampledCase.objects.get(reference=drawn[0]),
        kind=ReviewKind.ADJUDICATED,
        reviewer=lead_user,
        should_record=True,
        was_recorded=True,
    )
    _refused(batch, admin_user, rf"\(for example {drawn[0]}\)")


def test_a_review_deleted_in_the_app_blocks_the_withdrawal(drawn, two_workbooks, admin_user):
    batch, _ = two_workbooks
    CaseReview.objects.get(case__reference=drawn[1]).delete()
    _refused(batch, admin_user, "reviewed or changed in the app since the import")


def test_a_drawn_case_corrected_in_the_admin_blocks_the_withdrawal(
    drawn, two_workbooks, admin_user
):
    batch, _ = two_workbooks
    case = SampledCase.objects.get(reference=drawn[0])
    case.summary = "corrected"
    case.save()
    _refused(batch, admin_user, rf"\(for example {drawn[0]}\)")


def test_work_on_another_workbooks_case_does_not_block_this_one(drawn, two_workbooks, admin_user):
    batch, other = two_workbooks
    review = CaseReview.objects.get(case__reference=drawn[2])
    review.notes = "checked again"
    review.save()
    assert withdrawal.withdrawal_blockers(batch) == []
    assert withdrawal.withdrawal_blockers(other) != []


def test_a_workbook_imported_before_its_reviews_were_noted_is_not_withdrawn_blind(
    drawn, two_workbooks, admin_user
):
    batch, _ = two_workbooks
    DrawnCaseEntry.objects.filter(batch=batch).delete()
    _refused(batch, admin_user, "cannot be told apart")


# --- the pages -------------------------------------------------------------------------------


def test_the_pages_say_the_reviews_go_and_the_drawn_cases_stay(
    drawn, two_workbooks, client, admin_user
):
    batch, _ = two_workbooks
    client.force_login(admin_user)
    detail = client.get(reverse("batch-detail", kwargs={"pk": batch.pk})).content.decode()
    assert "recorded as reviews of the inspection's drawn cases" in detail
    assert "?queue=all&amp;batch=" not in detail  # drawn cases belong to no batch

    url = reverse("batch-withdraw", kwargs={"pk": batch.pk})
    page = client.get(url).content.decode()
    assert "The 2 reviews it recorded on drawn cases will be removed" in page
    assert "the 1 summary it filled in emptied" in page
    assert "The drawn cases stay in the sample" in page

    response = client.post(url, follow=True)
    text = response.content.decode()
    assert "Batch withdrawn: the 2 reviews it recorded were removed" in text
    assert "The reviews it recorded were removed" in text
    assert SampledCase.objects.filter(reference__in=drawn).count() == 5


def test_the_withdraw_page_refuses_with_the_reason(drawn, two_workbooks, client, admin_user):
    batch, _ = two_workbooks
    review = CaseReview.objects.get(case__reference=drawn[0])
    review.notes = "worked on"
    review.save()
    client.force_login(admin_user)
    response = client.post(reverse("batch-withdraw", kwargs={"pk": batch.pk}))
    assert response.status_code == 409
    assert "withdrawing it would lose that work" in response.content.decode()
    assert CaseReview.objects.filter(case__reference=drawn[0]).exists()
