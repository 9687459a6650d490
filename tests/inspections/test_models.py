"""Each rule that must never be broken is refused twice: by model validation
(with a message for the person) and by the database (whatever wrote the row)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from inspect_app.accounts.models import User
from inspect_app.accounts.roles import Role
from inspect_app.inspections.decisions import RecordType, contradictions
from inspect_app.inspections.models import CaseReview, Inspection, SampleBatch, SampledCase
from tests.factories import (
    CaseReviewFactory,
    InspectionFactory,
    SampledCaseFactory,
    UserFactory,
    offence_group,
)

pytestmark = pytest.mark.django_db


def refused_by_database(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


# --- reviews ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record_type", "answers", "field"),
    [
        (RecordType.INCIDENT, {"should_record": False, "was_recorded": True}, "was_recorded"),
        (RecordType.INCIDENT, {"was_recorded": False}, "was_recorded"),
        (
            RecordType.INCIDENT,
            {"should_record": True, "was_recorded": False, "correctly_classified": True},
            "correctly_classified",
        ),
        (
            RecordType.OTHER_SYSTEM,
            {"should_record": True, "was_recorded": False, "on_time": False},
            "on_time",
        ),
        (RecordType.INCIDENT, {"cancellation_correct": True}, "cancellation_correct"),
        (RecordType.INCIDENT, {"disposal_appropriate": False}, "disposal_appropriate"),
        (RecordType.NO_CRIME, {"should_record": True}, "should_record"),
        (RecordType.NO_CRIME, {"disposal_appropriate": True}, "disposal_appropriate"),
        (RecordType.OOCD, {"victim_informed": True}, "victim_informed"),
        (RecordType.OOCD, {"should_record": False}, "should_record"),
    ],
)
def test_it_refuses_contradictory_decisions(record_type, answers, field, inspector_user):
    case = SampledCaseFactory(record_type=record_type)
    review = CaseReview(case=case, reviewer=inspector_user, **answers)

    with pytest.raises(ValidationError) as refused:
        review.full_clean()
    assert field in refused.value.message_dict

    refused_by_database(
        lambda: CaseReview.objects.bulk_create(
            [CaseReview(case=case, reviewer=inspector_user, record_type=record_type, **answers)]
        )
    )
    assert not CaseReview.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("record_type", "answers"),
    [
        (
            RecordType.INCIDENT,
            {
                "should_record": True,
                "was_recorded": True,
                "correctly_classified": False,
                "on_time": True,
            },
        ),
        (RecordType.INCIDENT, {"should_record": False}),
        (RecordType.OTHER_SYSTEM, {"should_record": True, "was_recorded": False}),
        (RecordType.NO_CRIME, {"cancellation_correct": False, "victim_informed": True}),
        (RecordType.OOCD, {"disposal_appropriate": False}),
        (RecordType.INCIDENT, {}),
    ],
)
def test_it_accepts_consistent_decisions(record_type, answers, inspector_user):
    case = SampledCaseFactory(record_type=record_type)
    review = CaseReview(case=case, reviewer=inspector_user, **answers)
    review.full_clean()
    review.save()
    assert review.record_type == record_type


def test_the_database_refuses_a_later_edit_that_contradicts(inspector_user):
    review = CaseReviewFactory(
        case=SampledCaseFactory(record_type=RecordType.INCIDENT),
        should_record=True,
        was_recorded=True,
    )
    refused_by_database(lambda: CaseReview.objects.filter(pk=review.pk).update(should_record=False))
    refused_by_database(
        lambda: CaseReview.objects.filter(pk=review.pk).update(cancellation_correct=True)
    )
    review.refresh_from_db()
    assert review.should_record is True and review.cancellation_correct is None


def test_a_review_takes_its_record_type_from_the_case(inspector_user):
    case = SampledCaseFactory(record_type=RecordType.OOCD)
    review = CaseReview(
        case=case,
        reviewer=inspector_user,
        record_type=RecordType.INCIDENT,
        disposal_appropriate=True,
    )
    review.save()
    assert CaseReview.objects.get(pk=review.pk).record_type == RecordType.OOCD


def test_a_case_has_one_review_of_each_kind(inspector_user):
    review = CaseReviewFactory(reviewer=inspector_user)
    refused_by_database(lambda: CaseReviewFactory(case=review.case, kind="first"))
    CaseReviewFactory(case=review.case, kind="second")
    CaseReviewFactory(case=review.case, kind="adjudicated")
    assert review.case.reviews.count() == 3


def test_contradictions_names_each_problem_once():
    problems = contradictions(
        RecordType.INCIDENT,
        {
            "should_record": False,
            "was_recorded": True,
            "correctly_classified": True,
            "victim_informed": False,
        },
    )
    # Classification follows from "recorded: yes"; the contradiction is the
    # "recorded" answer itself, so it is named once, where it lies.
    assert [field for field, _ in problems] == ["was_recorded", "victim_informed"]
    assert "'should record' is yes" in problems[0][1]
    assert "does not apply to an incident record" in problems[1][1]


# --- cases ----------------------------------------------------------------------------------


def test_a_reference_is_unique_within_an_inspection_only(inspection_a, inspection_b):
    SampledCaseFactory(inspection=inspection_a, reference="R-1")
    SampledCaseFactory(inspection=inspection_b, reference="R-1")  # another inspection: fine
    duplicate = SampledCase(
        inspection=inspection_a,
        reference="R-1",
        record_type=RecordType.INCIDENT,
        reported_at="2013-01-01T10:00Z",
    )
    with pytest.raises(ValidationError, match="already in the inspection"):
        duplicate.full_clean()
    refused_by_database(duplicate.save)


@pytest.mark.parametrize("record_type", [RecordType.NO_CRIME, RecordType.OOCD])
def test_no_crime_and_disposal_records_need_an_offence_group(record_type, inspection_a):
    case = SampledCase(
        inspection=inspection_a,
        reference="NC-1",
        record_type=record_type,
        reported_at="2013-01-01T10:00Z",
        offence_group=None,
    )
    with pytest.raises(ValidationError, match="need an offence group"):
        case.full_clean()
    refused_by_database(case.save)
    case.offence_group = offence_group("RAPE")
    case.full_clean()
    case.save()


def test_an_unknown_record_type_is_refused(inspection_a):
    case = SampledCase(
        inspection=inspection_a,
        reference="X-1",
        record_type="rumour",
        reported_at="2013-01-01T10:00Z",
    )
    with pytest.raises(ValidationError):
        case.full_clean()
    refused_by_database(case.save)


# --- inspections and batches ------------------------------------------------------------


def test_one_inspection_per_force_per_programme(inspection_a):
    again = Inspection(
        slug="essex-again", programme=inspection_a.programme, force=inspection_a.force
    )
    with pytest.raises(ValidationError, match="already has an inspection"):
        again.full_clean()
    refused_by_database(again.save)


def test_an_inspection_period_cannot_end_before_it_starts(programme, force_b):
    inspection = Inspection(
        slug="backwards",
        programme=programme,
        force=force_b,
        audit_period_start=date(2014, 5, 1),
        audit_period_end=date(2014, 4, 1),
    )
    with pytest.raises(ValidationError, match="audit period ends before it starts"):
        inspection.full_clean()
    refused_by_database(inspection.save)


def test_an_inspection_needs_a_positive_time_limit(programme, force_b):
    refused_by_database(
        lambda: InspectionFactory(programme=programme, force=force_b, recording_time_limit_hours=0)
    )


def test_the_same_file_cannot_be_live_twice_in_an_inspection(inspection_a, admin_user):
    SampleBatch.objects.create(
        inspection=inspection_a,
        original_filename="a.csv",
        content_sha256="ab" * 32,
        uploaded_by=admin_user,
        status="imported",
    )
    refused_by_database(
        lambda: SampleBatch.objects.create(
            inspection=inspection_a, original_filename="copy.csv", content_sha256="ab" * 32
        )
    )
    # After a failed attempt the same file may come again.
    SampleBatch.objects.create(
        inspection=inspection_a,
        original_filename="b.csv",
        content_sha256="cd" * 32,
        status="failed",
    )
    SampleBatch.objects.create(
        inspection=inspection_a, original_filename="b.csv", content_sha256="cd" * 32
    )


def test_a_withdrawn_batch_records_when(inspection_a):
    refused_by_database(
        lambda: SampleBatch.objects.create(
            inspection=inspection_a,
            original_filename="a.csv",
            content_sha256="ef" * 32,
            status="withdrawn",
        )
    )


# --- users ----------------------------------------------------------------------------------


def test_a_commissioner_is_bound_to_exactly_one_force(force_a):
    lonely = User(username="no-force", role=Role.COMMISSIONER)
    with pytest.raises(ValidationError, match="exactly one force"):
        lonely.full_clean()
    refused_by_database(lonely.save)
    inspector = User(username="forced", role=Role.INSPECTOR, force=force_a)
    refused_by_database(inspector.save)


def test_an_unknown_role_is_refused():
    refused_by_database(lambda: User.objects.create(username="who", role="sheriff"))


def test_only_admins_reach_django_admin(force_a):
    admin = UserFactory(username="a", role=Role.ADMIN)
    lead = UserFactory(username="l", role=Role.LEAD_INSPECTOR)
    assert admin.is_staff and admin.is_superuser
    assert not lead.is_staff and not lead.is_superuser
    admin.role = Role.INSPECTOR
    admin.save()
    assert not admin.is_staff


def test_createsuperuser_makes_an_admin():
    user = User.objects.create_superuser("root", "root@example.org", "x" * 20)
    assert user.role == Role.ADMIN and user.is_staff
