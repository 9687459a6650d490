"""Drawing the planned sample: reproducible references, once, with top-ups recorded."""

import json

import numpy
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.inspections.models import SampledCase
from inspect_app.sampling import drawing, extracts, planning
from inspect_app.sampling.models import Draw, DrawnCase, Stratum, TopUp
from tests.sampling.helpers import HEADER as HEADER_LINE
from tests.sampling.helpers import small_extract


def test_the_positions_chosen_for_a_seed_never_change():
    # Stored once and kept: if any of these move, a sample drawn before can no longer
    # be drawn again, and that is a broken promise, not a test to update.
    numbers = drawing.BoundedIntegers(drawing.generator_for(2014))
    assert drawing.choose(5, 100, numbers) == [5, 70, 72, 16, 43]
    numbers = drawing.BoundedIntegers(drawing.generator_for(2014))
    assert drawing.choose(8, 1_000_000, numbers) == [
        436405, 773161, 621530, 631254, 755671, 549480, 416192, 720377,
    ]  # fmt: skip
    numbers = drawing.BoundedIntegers(drawing.generator_for(2014, 1))
    assert drawing.choose(3, 10, numbers) == [7, 4, 9]


def test_the_bounded_integers_come_from_the_raw_stream_by_rejection():
    raw = numpy.random.PCG64(7).random_raw(3)
    numbers = drawing.BoundedIntegers(numpy.random.PCG64(7))
    # 2^64 is a multiple of 2^k: nothing is rejected, so the words are used as they come.
    assert [numbers.below(1 << 10) for _ in range(3)] == [int(word) % 1024 for word in raw]


def test_choose_draws_every_position_once_when_asked_for_all():
    numbers = drawing.BoundedIntegers(drawing.generator_for(1))
    assert sorted(drawing.choose(50, 50, numbers)) == list(range(50))


def test_choose_is_uniform_enough():
    numbers = drawing.BoundedIntegers(drawing.generator_for(99))
    counts = [0] * 10
    for _ in range(5000):
        for position in drawing.choose(3, 10, numbers):
            counts[position] += 1
    # Each position is chosen with probability 3/10: 1500 of 5000 times, give or take.
    assert all(1350 < count < 1650 for count in counts), counts


def plan_for(inspection, tmp_path, minimum=10):
    small_extract(inspection, tmp_path)
    proposal = planning.propose(
        inspection, stratify_by="record_type", margin=0.15, expected_rate=0.9, minimum=minimum
    )
    return planning.save(proposal)


@pytest.mark.django_db
def test_a_stored_drawn_sample_is_drawn_again_the_same(inspection_a, tmp_path):
    plan = plan_for(inspection_a, tmp_path)
    assert [(s.label, s.population, s.planned) for s in plan.strata.all()] == [
        ("incident", 80, 11),
        ("no_crime", 20, 10),
    ]
    drawing.draw_sample(inspection_a, 2014)
    drawn = sorted(
        SampledCase.objects.filter(inspection=inspection_a).values_list("reference", flat=True)
    )
    assert drawn == [
        "I003", "I004", "I005", "I006", "I036", "I053", "I062", "I064", "I066", "I076", "I077",
        "N002", "N005", "N006", "N007", "N009", "N015", "N017", "N018", "N019", "N020",
    ]  # fmt: skip


@pytest.mark.django_db
def test_drawn_records_become_cases_with_their_stratum(inspection_a, tmp_path, admin_user):
    plan_for(inspection_a, tmp_path)
    draw = drawing.draw_sample(inspection_a, 5, by=admin_user)
    assert (draw.generator, draw.generator_version) == ("PCG64", numpy.__version__)
    case = SampledCase.objects.filter(inspection=inspection_a, record_type="no_crime").first()
    assert case.offence_group.code == "VAP"
    assert case.drawn.stratum.label == "no_crime"
    assert case.batch is None
    assert AuditEvent.objects.get(action=AuditAction.SAMPLE_DRAWN).details["seed"] == 5


@pytest.mark.django_db
def test_a_second_draw_is_refused_naming_the_first(inspection_a, tmp_path):
    plan_for(inspection_a, tmp_path)
    drawing.draw_sample(inspection_a, 2014)
    with pytest.raises(drawing.DrawRefused, match="already drawn with seed 2014 on"):
        drawing.draw_sample(inspection_a, 15)
    assert Draw.objects.count() == 1
    assert SampledCase.objects.count() == 21


@pytest.mark.django_db
@pytest.mark.parametrize("seed", ["1.5", "-3", "abc", ""])
def test_a_seed_that_is_not_a_whole_number_is_refused(inspection_a, tmp_path, seed):
    plan_for(inspection_a, tmp_path)
    with pytest.raises(CommandError, match="the seed must be a whole number"):
        call_command("draw_sample", "--inspection", inspection_a.slug, "--seed", seed)
    assert not Draw.objects.exists() and not SampledCase.objects.exists()


@pytest.mark.django_db
def test_a_draw_without_a_saved_plan_is_refused(inspection_a, tmp_path):
    small_extract(inspection_a, tmp_path)
    with pytest.raises(CommandError, match="no saved sample plan"):
        call_command("draw_sample", "--inspection", inspection_a.slug, "--seed", "1")
    assert not SampledCase.objects.exists()


@pytest.mark.django_db
def test_a_top_up_draws_more_of_one_stratum_from_the_rest(inspection_a, tmp_path):
    plan_for(inspection_a, tmp_path)
    draw = drawing.draw_sample(inspection_a, 2014)
    incident = Stratum.objects.get(plan=draw.plan, label="incident")
    before = set(DrawnCase.objects.filter(stratum=incident).values_list("reference", flat=True))
    made = drawing.top_up(inspection_a, incident.pk, 3, reason="three records missing")
    after = set(DrawnCase.objects.filter(stratum=incident).values_list("reference", flat=True))
    assert len(after) == 14 and before < after
    assert made.round == 1 and TopUp.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SAMPLE_TOPPED_UP).count() == 1
    with pytest.raises(drawing.DrawRefused, match="more than it holds"):
        drawing.top_up(inspection_a, incident.pk, 100)


@pytest.mark.django_db
def test_the_listing_gives_each_record_its_stratum_and_weight(inspection_a, tmp_path, capsys):
    plan_for(inspection_a, tmp_path)
    call_command("draw_sample", "--inspection", inspection_a.slug, "--seed", "2014")
    capsys.readouterr()
    call_command("sample_listing", "--inspection", inspection_a.slug, "--format", "json")
    document = json.loads(capsys.readouterr().out)
    assert document["seed"] == 2014
    first = document["records"][0]
    assert first == {
        "reference": "I003",
        "stratum": "incident",
        "population": 80,
        "sample": 11,
        "weight": round(80 / 11, 6),
    }
    call_command("sample_listing", "--inspection", inspection_a.slug, "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "reference,stratum,population,sample,weight"
    assert len(lines) == 22


def _by_hand(rows, strata, counts, numbers):
    """The draw as the module's docstring says it, over the file's own rows: each stratum's
    references in code-point order, positions chosen by the partial shuffle."""
    drawn = []
    for stratum, count in zip(strata, counts, strict=True):
        references = sorted(
            reference
            for reference, route, group in rows
            if (route or planning.NO_VALUE, group or planning.NO_VALUE)
            == (stratum.key["route"], stratum.key["offence_group"])
        )
        drawn += [references[p] for p in drawing.choose(count, len(references), numbers)]
    return sorted(drawn)


def _odd_rows(letters="aBcÉé", each=24):
    """References whose code-point order is not the order of most collations, with
    some records without a route or an offence group, in no order at all."""
    references = [f"{letter}{n:02d}" for letter in letters for n in range(each)]
    rows = [
        (reference, ("front desk", "", "online")[n % 3], "VAP" if n % 4 == 0 else "")
        for n, reference in enumerate(references)
    ]
    return [rows[(n * 37) % len(rows)] for n in range(len(rows))]


def _import_rows(inspection, tmp_path, rows, replace=False):
    lines = [HEADER_LINE] + [
        f"{reference},{'no_crime' if group else 'incident'},2025-03-01 10:00,{group},{route},\n"
        for reference, route, group in rows
    ]
    path = tmp_path / "odd.csv"
    path.write_text("".join(lines), encoding="utf-8")
    extracts.import_extract(path, inspection, filename="odd.csv", replace=replace)


@pytest.mark.django_db
def test_each_stratum_is_drawn_in_code_point_order_of_reference_from_a_shuffled_file(
    inspection_a, tmp_path
):
    rows = _odd_rows()
    _import_rows(inspection_a, tmp_path, rows)
    plan = planning.save(
        planning.propose(inspection_a, stratify_by="route,offence_group", margin=0.2, minimum=5)
    )
    strata = list(plan.strata.order_by("position"))
    assert any(s.key["route"] == planning.NO_VALUE for s in strata)
    assert any(s.key["offence_group"] == planning.NO_VALUE for s in strata)
    drawing.draw_sample(inspection_a, 77)
    drawn = sorted(
        SampledCase.objects.filter(inspection=inspection_a).values_list("reference", flat=True)
    )
    numbers = drawing.BoundedIntegers(drawing.generator_for(77))
    assert drawn == _by_hand(rows, strata, [s.planned for s in strata], numbers)

    # A top-up of one stratum draws from its records not drawn yet, by the next round.
    stratum = strata[0]
    drawing.top_up(inspection_a, stratum.pk, 2)
    added = sorted(
        set(SampledCase.objects.filter(inspection=inspection_a).values_list("reference", flat=True))
        - set(drawn)
    )
    remaining = [row for row in rows if row[0] not in drawn]
    numbers = drawing.BoundedIntegers(drawing.generator_for(77, 1))
    assert added == _by_hand(remaining, [stratum], [2], numbers)


@pytest.mark.django_db
def test_a_draw_after_the_extract_was_replaced_counts_its_strata_again(inspection_a, tmp_path):
    _import_rows(inspection_a, tmp_path, _odd_rows())
    plan = planning.save(
        planning.propose(inspection_a, stratify_by="route,offence_group", margin=0.2, minimum=5)
    )
    # The same strata, other sizes: the plan's counts are out of date, the draw is not.
    rows = _odd_rows(letters="xYzÖ", each=40)
    _import_rows(inspection_a, tmp_path, rows, replace=True)
    strata = list(plan.strata.order_by("position"))
    drawing.draw_sample(inspection_a, 3)
    drawn = sorted(
        SampledCase.objects.filter(inspection=inspection_a).values_list("reference", flat=True)
    )
    numbers = drawing.BoundedIntegers(drawing.generator_for(3))
    assert drawn == _by_hand(rows, strata, [s.planned for s in strata], numbers)


AWKWARD_REFERENCES = [
    "b-1", "B-1", "a,2", 'a"3', "Ä-4", "é-5", "e-6", "z\\7", "ß-8", "𝔸-9", "a\n10", "a 11",
]  # fmt: skip


@pytest.mark.django_db
def test_one_pass_reads_each_stratum_in_code_point_order_as_each_stratum_alone_does(
    inspection_a, tmp_path
):
    import csv

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("one pass is PostgreSQL's")
    path = tmp_path / "awkward.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER_LINE.strip().split(","))
        for number, reference in enumerate(AWKWARD_REFERENCES):
            kind = ("incident", "no_crime")[number % 2]
            group = "VAP" if kind == "no_crime" else ""
            route = ("control room", "")[number % 3 == 0]
            writer.writerow([reference, kind, "2025-03-01 10:00", group, route, "story"])
    extract = extracts.import_extract(path, inspection_a, filename="awkward.csv").extract
    assert extract.records.count() == len(AWKWARD_REFERENCES)
    plan = planning.save(
        planning.propose(inspection_a, stratify_by=["record_type", "route"], margin=0.3, minimum=1)
    )
    strata = list(plan.strata.order_by("position"))
    records = extract.records.all()
    one_pass = drawing._read_in_one_pass(records, strata)
    each_alone = drawing._read_stratum_by_stratum(records, strata)
    assert {pk: list(found) for pk, found in one_pass.items()} == each_alone
    every = sorted(reference for found in each_alone.values() for reference in found)
    assert every == sorted(AWKWARD_REFERENCES)
    # Code-point order, not a language's: capitals before small letters, accents after.
    incidents = [s for s in strata if s.key == {"record_type": "incident", "route": "(none)"}]
    assert list(one_pass[incidents[0].pk]) == sorted(
        r for n, r in enumerate(AWKWARD_REFERENCES) if n % 2 == 0 and n % 3 == 0
    )
