"""A completed workbook for a drawn inspection: reviews of the drawn cases, no new case."""

import pytest
from django.core.management import call_command

from inspect_app.inspections.models import CaseReview, SampledCase
from inspect_app.sampling import drawing, planning
from tests.sampling.helpers import small_extract

HEADER = "reference,record_type,reported_at,summary,should_record,was_recorded,reviewer\n"


@pytest.fixture
def drawn(inspection_a, tmp_path, inspector_user):
    small_extract(inspection_a, tmp_path)
    planning.save(
        planning.propose(inspection_a, stratify_by="record_type", margin=0.15, minimum=10)
    )
    drawing.draw_sample(inspection_a, 2014)
    SampledCase.objects.filter(reference="I003").update(summary="")
    return inspection_a


def workbook(tmp_path, body):
    path = tmp_path / "completed.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_rows_become_reviews_of_the_drawn_cases(drawn, tmp_path, inspector_user, capsys):
    before = SampledCase.objects.count()
    path = workbook(
        tmp_path,
        f"I003,incident,2025-03-04 10:00,found in the log,yes,no,{inspector_user.username}\n"
        f"I004,incident,2025-03-05 10:00,,yes,yes,{inspector_user.username}\n",
    )
    call_command("import_batch", path, "--inspection", drawn.slug)
    assert SampledCase.objects.count() == before
    reviews = {r.case.reference: r for r in CaseReview.objects.select_related("case")}
    assert set(reviews) == {"I003", "I004"}
    assert reviews["I003"].was_recorded is False and reviews["I004"].was_recorded is True
    assert SampledCase.objects.get(reference="I003").summary == "found in the log"
    assert SampledCase.objects.get(reference="I004").summary == "story 4"  # kept


@pytest.mark.django_db
def test_a_reference_outside_the_drawn_sample_is_an_error_at_its_row(
    drawn, tmp_path, inspector_user, capsys
):
    path = workbook(
        tmp_path,
        f"I003,incident,2025-03-04 10:00,,yes,no,{inspector_user.username}\n"
        f"I002,incident,2025-03-03 10:00,,yes,no,{inspector_user.username}\n",
    )
    with pytest.raises(SystemExit):
        call_command("import_batch", path, "--inspection", drawn.slug)
    err = capsys.readouterr().err
    assert "row 3, column reference: 'I002' is not in this inspection's drawn sample" in err
    assert not CaseReview.objects.exists()
