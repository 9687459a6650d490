"""The figures on the command line: compliance_report, recompute_figures and plan_sample."""

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from forces.models import Force
from inspect_app.compliance.management.commands.compliance_report import COLUMNS
from inspect_app.compliance.models import ComplianceFigure, Scope
from tests.compliance.factories import RECORDED, UNRECORDED, many_reviewed_cases

ROOT = Path(__file__).resolve().parents[2]
JUDGEMENT_KEYS = [
    "versus_programme",
    "funnel",
    "funnel_side",
    "grade",
    "grade_certainty",
    "grades_possible",
]
INSPECTION_KEYS = [
    "scope",
    "inspection",
    "force",
    "offence_group",
    "metric",
    "numerator",
    "denominator",
    "rate",
    "ci_low",
    "ci_high",
    "reliable",
    "design",
]


def run(command, *args, **options):
    """Call a command; return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def report(*args):
    out, err = run("compliance_report", *args)
    return json.loads(out), err


def find(rows, **where):
    matches = [row for row in rows if all(row.get(k) == v for k, v in where.items())]
    assert len(matches) == 1, (where, matches)
    return matches[0]


@pytest.fixture
def demo(db):
    run("load_demo")


# --- compliance_report ----------------------------------------------------------------------


def test_the_essex_2014_figure_is_reproduced(demo):
    document, _ = report("--inspection", "essex-2014", "--format", "json")

    assert document["method"] == "wilson" and document["confidence"] == 0.95
    essex = find(document["rows"], scope="inspection", metric="recording_rate")
    # Judged against the programme's weighted rate (82.8%), and graded on the demo's bands.
    assert {key: essex.pop(key) for key in JUDGEMENT_KEYS} == {
        "versus_programme": "better",
        "funnel": "alert",
        "funnel_side": "high",
        "grade": "good",
        "grade_certainty": 0.6642,
        "grades_possible": ["outstanding", "good", "requires improvement"],
    }
    assert essex == {
        "scope": "inspection",
        "inspection": "essex-2014",
        "force": "E23000028",
        "offence_group": None,
        "metric": "recording_rate",
        "numerator": 110,
        "denominator": 120,
        "rate": 0.91667,
        "ci_low": 0.85338,
        "ci_high": 0.95411,
        "reliable": False,
        "design": "simple",
    }
    assert list(essex) == INSPECTION_KEYS
    no_crimes = find(document["rows"], scope="inspection", metric="no_crime_accuracy")
    assert (no_crimes["numerator"], no_crimes["denominator"]) == (68, 73)
    # Only Essex: its inspection figures and its offence groups.
    assert {row["inspection"] for row in document["rows"]} == {"essex-2014"}
    assert {row["scope"] for row in document["rows"]} == {"inspection", "offence_group"}
    sexual = find(
        document["rows"], scope="offence_group", offence_group="SEX", metric="recording_rate"
    )
    rape = find(
        document["rows"], scope="offence_group", offence_group="RAPE", metric="recording_rate"
    )
    assert sexual["denominator"] > rape["denominator"] > 0


def test_the_programme_report_has_regions_and_both_programme_figures(demo):
    document, err = report("--programme", "crime-recording-2014", "--format", "json")
    rows = document["rows"]

    hertfordshire = find(
        rows, inspection="hertfordshire-2014", scope="inspection", metric="recording_rate"
    )
    assert (hertfordshire["rate"], hertfordshire["ci_low"], hertfordshire["ci_high"]) == (
        0.71823,
        0.64869,
        0.77871,  # domain.md: 71.8%, 64.9%–77.9%
    )
    east = find(rows, scope="region", region="E12000006", metric="recording_rate")
    assert (east["numerator"], east["denominator"]) == (110 + 130 + 63, 120 + 181 + 74)
    pooled = find(rows, scope="programme", weighted=False, metric="recording_rate")
    weighted = find(rows, scope="programme", weighted=True, metric="recording_rate")
    assert (pooled["numerator"], pooled["denominator"]) == (1007, 1235)
    assert "estimated_unrecorded" not in pooled
    assert weighted["rate"] != pooled["rate"]
    assert (
        weighted["estimated_unrecorded_low"]
        < weighted["estimated_unrecorded"]
        < weighted["estimated_unrecorded_high"]
    )
    assert all(
        isinstance(weighted[key], int)
        for key in ("estimated_unrecorded", "estimated_unrecorded_low")
    )
    # Dorset had no no-crimes reviewed: no figure, said on stderr rather than 0%.
    assert not [
        row
        for row in rows
        if row["inspection"] == "dorset-2014" and row["metric"] == "no_crime_accuracy"
    ]
    assert (
        "no figure for no_crime_accuracy of inspection dorset-2014: "
        "no cases counted (denominator 0)"
    ) in err.splitlines()
    assert all(row["denominator"] > 0 for row in rows)


def test_the_csv_report_has_the_same_rows_and_columns(demo):
    document, _ = report("--inspection", "essex-2014", "--format", "json")
    out, _ = run("compliance_report", "--inspection", "essex-2014", "--format", "csv")

    table = list(csv.DictReader(io.StringIO(out)))
    assert tuple(csv.DictReader(io.StringIO(out)).fieldnames) == COLUMNS
    assert len(table) == len(document["rows"])
    essex = next(
        row for row in table if row["scope"] == "inspection" and row["metric"] == "recording_rate"
    )
    assert essex["rate"] == "0.91667" and essex["ci_low"] == "0.85338"
    assert essex["reliable"] == "false" and essex["offence_group"] == ""


def test_method_and_confidence_change_the_interval(demo):
    document, _ = report(
        "--inspection",
        "essex-2014",
        "--format",
        "json",
        "--method",
        "normal",
        "--confidence",
        "0.99",
    )
    essex = find(document["rows"], scope="inspection", metric="recording_rate")
    assert document["method"] == "normal" and document["confidence"] == 0.99
    assert essex["rate"] == 0.91667
    assert (essex["ci_low"], essex["ci_high"]) == (0.85168, 0.98166)


def test_the_report_reads_stored_figures_and_counts_only_when_there_are_none(
    programme, inspection_a
):
    many_reviewed_cases(inspection_a, 3, **RECORDED)
    document, _ = report("--programme", programme.slug, "--format", "json")
    assert find(document["rows"], scope="inspection", metric="recording_rate")["numerator"] == 3

    # A change not yet recomputed is not shown until the recompute runs (it is
    # queued on commit in real use; bulk_create here sends no signal).
    many_reviewed_cases(inspection_a, 2, **UNRECORDED)
    document, _ = report("--programme", programme.slug, "--format", "json")
    assert find(document["rows"], scope="inspection", metric="recording_rate")["denominator"] == 3
    run("recompute_figures", "--programme", programme.slug)
    document, _ = report("--programme", programme.slug, "--format", "json")
    assert find(document["rows"], scope="inspection", metric="recording_rate")["denominator"] == 5


@pytest.mark.parametrize(
    ("recorded", "unrecorded", "expected"),
    [
        (0, 7, {"numerator": 0, "rate": 0.0, "ci_low": 0.0}),  # k = 0
        (7, 0, {"numerator": 7, "rate": 1.0, "ci_high": 1.0}),  # k = n
        (1, 0, {"numerator": 1, "denominator": 1, "rate": 1.0, "ci_low": 0.20655}),  # n = 1
    ],
)
def test_extreme_counts_are_reported_with_their_intervals(
    programme, inspection_a, recorded, unrecorded, expected
):
    many_reviewed_cases(inspection_a, recorded, **RECORDED)
    many_reviewed_cases(inspection_a, unrecorded, **UNRECORDED)
    document, _ = report("--inspection", inspection_a.slug, "--format", "json")
    row = find(document["rows"], scope="inspection", metric="recording_rate")
    assert expected.items() <= row.items()
    assert row["reliable"] is False


def test_an_empty_inspection_has_no_rows_and_says_why(programme, inspection_a):
    document, err = report("--inspection", inspection_a.slug, "--format", "json")
    assert document["rows"] == []
    assert len(err.splitlines()) == 6
    assert "no figure for recording_rate of inspection essex-test: " in err


def test_a_force_without_volume_has_no_weighted_row_and_the_reason(
    programme, inspection_a, inspection_b
):
    Force.objects.filter(pk=inspection_a.force_id).update(recorded_crime_volume=None)
    many_reviewed_cases(inspection_a, 8, **RECORDED)
    many_reviewed_cases(inspection_b, 8, **UNRECORDED)
    document, err = report("--programme", programme.slug, "--format", "json")

    programme_rows = [row for row in document["rows"] if row["scope"] == "programme"]
    recording = [row for row in programme_rows if row["metric"] == "recording_rate"]
    assert [row["weighted"] for row in recording] == [False]
    assert "estimated_unrecorded" not in recording[0]
    assert (
        "no figure for recording_rate of programme (weighted): no weighted figure: "
        "Essex (E23000028) has no recorded-crime volume"
    ) in err.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--inspection", "essex-test", "--confidence", "1.5"],
            "confidence must be between 0 and 1 (exclusive), got 1.5",
        ),
        (["--inspection", "essex-test", "--confidence", "0"], "confidence must be between 0"),
        (["--inspection", "essex-test", "--method", "bayes"], "unknown interval method 'bayes'"),
        (["--inspection", "no-such-inspection"], "no inspection with slug 'no-such-inspection'"),
        (["--programme", "no-such-programme"], "no programme with slug 'no-such-programme'"),
        (["--inspection", "essex-test", "--programme", "test-programme"], "not allowed with"),
        ([], "one of the arguments --inspection --programme is required"),
    ],
)
def test_the_report_refuses_bad_input_in_one_line(inspection_a, args, message):
    with pytest.raises(CommandError, match=re.escape(message)) as raised:
        run("compliance_report", *args, "--format", "json")
    assert "\n" not in str(raised.value)


# --- recompute_figures ----------------------------------------------------------------------


def test_recompute_figures_stores_the_figures_and_says_so(programme, inspection_a, inspection_b):
    many_reviewed_cases(inspection_a, 4, **RECORDED)
    out, _ = run("recompute_figures", "--inspection", "essex-test")
    stored = ComplianceFigure.objects.filter(programme=programme).count()
    assert out.splitlines() == [
        "inspection essex-test is part of programme test-programme",
        f"recomputed programme test-programme: {stored} figures stored",
    ]
    assert ComplianceFigure.objects.filter(inspection=inspection_b, scope=Scope.INSPECTION)

    out, _ = run("recompute_figures", "--all")
    assert out == f"recomputed programme test-programme: {stored} figures stored\n"


def test_recompute_figures_refuses_an_unknown_slug(db):
    with pytest.raises(CommandError, match="no programme with slug 'nope'"):
        run("recompute_figures", "--programme", "nope")
    with pytest.raises(CommandError, match="no inspection with slug 'nope'"):
        run("recompute_figures", "--inspection", "nope")


# --- plan_sample ----------------------------------------------------------------------------


def test_plan_sample_prints_the_cdi_scale_sample():
    out, _ = run("plan_sample", "--expected-rate", "0.9", "--margin", "0.015")
    assert out == "sample size: 1537 (expected rate 0.9, margin ±1.5 points, 95% confidence)\n"


def test_plan_sample_allows_for_a_finite_population():
    out, _ = run(
        "plan_sample",
        "--expected-rate",
        "0.9",
        "--margin",
        "0.015",
        "--population",
        "2000",
        "--confidence",
        "0.99",
    )
    # n0 = 2.5758² · 0.09 / 0.015² = 2654; 2654 / (1 + 2653/2000) = 1141
    assert out == (
        "sample size: 1141 (expected rate 0.9, margin ±1.5 points, 99% confidence, "
        "population 2000)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--margin", "1.5"], "give it as a fraction: 0.015 for ±1.5 points"),
        (["--margin", "0.015", "--confidence", "95"], "confidence must be between 0 and 1"),
        (["--margin", "0.015", "--population", "0"], "population must be at least 1"),
    ],
)
def test_plan_sample_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("plan_sample", "--expected-rate", "0.9", *args)


@pytest.mark.parametrize(
    "argv",
    [
        ["plan_sample", "--expected-rate", "0.9", "--margin", "1.5"],
        ["compliance_report", "--programme", "any", "--confidence", "2", "--format", "json"],
        ["compliance_report", "--programme", "any", "--method", "bayes", "--format", "csv"],
    ],
)
def test_bad_input_exits_non_zero_with_a_one_line_reason(argv, tmp_path):
    env = dict(
        os.environ,
        INSPECT_ENV_FILE="",
        DEBUG="true",
        SECRET_KEY="t" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    env.pop("REDIS_URL", None)
    finished = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert finished.stdout == ""
    assert len(finished.stderr.strip().splitlines()) == 1
    assert finished.stderr.startswith("CommandError: ")
