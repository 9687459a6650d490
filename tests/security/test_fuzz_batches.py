"""Generated batch files through the upload page: never a server error, never a partial write.

Each file is built from a header (the real columns, in any order and case,
sometimes with an unknown or missing one) and rows whose cells are drawn from
valid values, near misses and junk, joined with any line ending and encoded
in UTF-8, UTF-8 with a byte-order mark, or Latin-1.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from inspect_app.inspections.models import SampleBatch, SampledCase

pytestmark = pytest.mark.django_db

JUNK = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)
CELLS = {
    "reference": st.one_of(
        st.from_regex(r"[A-Z]{2}-[0-9]{1,5}", fullmatch=True),
        JUNK,
        st.just("x" * 65),
        st.just("=CMD()"),
    ),
    "record_type": st.one_of(
        st.sampled_from(["incident", "other_system", "no_crime", "oocd", "Incident", " oocd "]),
        JUNK,
    ),
    "reported_at": st.one_of(
        st.sampled_from(
            [
                "2014-03-01",
                "01/03/2014 10:30",
                "2014-03-01T10:30",
                "31/02/2014",
                "2099-01-01",
                "13/13/2013",
            ]
        ),
        JUNK,
    ),
    "offence_group": st.one_of(
        st.sampled_from(["VAP", "rape", "Sexual offences", "", "FRAUD"]), JUNK
    ),
    "summary": st.one_of(JUNK, st.just("+44 7700 900000"), st.just('a\nb, "quoted"')),
    "should_record": st.sampled_from(["yes", "no", "", "y", "0", "maybe"]),
    "was_recorded": st.sampled_from(["yes", "no", "", "TRUE", "2"]),
    "cancellation_correct": st.sampled_from(["yes", "no", ""]),
    "reviewer": st.sampled_from(["", "isla-inspector", "nobody", "lee-lead"]),
}
OPTIONAL = [name for name in CELLS if name not in {"reference", "record_type", "reported_at"}]


@st.composite
def batch_files(draw):
    columns = ["reference", "record_type", "reported_at"] + draw(
        st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=5)
    )
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    if draw(st.integers(0, 9)) == 0:
        columns = columns[1:]  # a required column missing
    if draw(st.integers(0, 9)) == 0:
        columns = [*columns, "unexpected"]
    header = [draw(st.sampled_from([name, name.upper(), f" {name} "])) for name in columns]

    def quote(cell):
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell

    rows = []
    for _ in range(draw(st.integers(0, 6))):
        cells = [draw(CELLS.get(name, JUNK)) for name in columns]
        if draw(st.integers(0, 14)) == 0:
            cells = cells[: draw(st.integers(0, len(cells)))]  # a ragged row
        rows.append(",".join(quote(cell) for cell in cells))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join([",".join(header), *rows]) + draw(st.sampled_from(["", newline]))
    if draw(st.integers(0, 19)) == 0:
        text = text.replace(",", "\x00", 1)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    return text.encode(encoding, errors="replace")


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=batch_files())
def test_no_generated_file_breaks_the_upload_or_half_imports(
    client,
    admin_user,
    inspection_a,
    inspector_user,
    lead_user,
    tmp_path,
    content,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(admin_user)
    before = SampledCase.objects.filter(inspection=inspection_a).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("batch-upload", kwargs={"slug": inspection_a.slug}),
            {"file": SimpleUploadedFile("fuzz.csv", content)},
        )
    assert response.status_code in (200, 302, 400)
    added = SampledCase.objects.filter(inspection=inspection_a).count() - before
    if response.status_code != 302:  # refused at the door: nothing kept
        assert added == 0
        return
    batch = SampleBatch.objects.order_by("pk").last()
    assert batch.status in ("imported", "failed")
    if batch.status == "imported":
        assert added == batch.row_count == SampledCase.objects.filter(batch=batch).count()
    else:
        assert added == 0 and batch.errors
    page = client.get(response["Location"])
    assert page.status_code == 200
