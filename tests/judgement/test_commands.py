"""compare_inspections, outliers and grade_bands, on the demo."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from inspect_app.accounts.models import AuditEvent
from inspect_app.judgement.models import GradeBandSet, OutlierCase, ProgrammeJudgement

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a-long-demo-password-1")
    run("load_demo")


def test_the_practice_round_shows_dorsets_change_since_2014_with_its_interval(demo):
    document = json.loads(
        run("compare_inspections", "dorset-2014", "dorset-practice", "--format", "json")
    )
    assert (document["a"], document["b"], document["confidence"]) == (
        "dorset-2014",
        "dorset-practice",
        0.95,
    )
    recording = next(row for row in document["rows"] if row["metric"] == "recording_rate")
    assert recording["rate_a"] == pytest.approx(61 / 87, abs=1e-5)
    assert recording["rate_b"] == pytest.approx(104 / 120, abs=1e-5)
    assert recording["difference"] == pytest.approx(104 / 120 - 61 / 87, abs=1e-5)
    assert 0 < recording["ci_low"] < recording["difference"] < recording["ci_high"]
    assert recording["verdict"] == "improved"
    timeliness = next(row for row in document["rows"] if row["metric"] == "timeliness")
    assert timeliness["verdict"] == "no significant change"


def test_compare_inspections_prints_csv(demo):
    out = run("compare_inspections", "dorset-2014", "dorset-practice", "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == "metric,rate_a,rate_b,difference,ci_low,ci_high,verdict"
    assert lines[1].startswith("recording_rate,") and lines[1].endswith(",improved")


def test_compare_inspections_refuses_two_forces(demo):
    with pytest.raises(CommandError, match="not inspections of one force"):
        run("compare_inspections", "dorset-2014", "essex-2014", "--format", "json")


def test_a_change_of_counting_rules_is_not_like_for_like(demo):
    ProgrammeJudgement.objects.filter(programme__slug="practice-round").update(
        counting_rules="2015 (cancelled crime)"
    )
    document = json.loads(
        run("compare_inspections", "dorset-2014", "dorset-practice", "--format", "json")
    )
    recording = document["rows"][0]
    assert recording["verdict"] == "not like for like"
    assert recording["ci_low"] is None and recording["ci_high"] is None


def test_outliers_lists_the_2014_alerts_and_alarms_with_their_clocks(demo):
    document = json.loads(
        run("outliers", "--programme", "crime-recording-2014", "--format", "json")
    )
    assert document["programme"] == "crime-recording-2014"
    found = {(row["inspection"], row["metric"]): row for row in document["outliers"]}
    herts = found["hertfordshire-2014", "recording_rate"]
    assert (herts["level"], herts["side"]) == ("alarm", "low")
    assert found["essex-2014", "recording_rate"]["level"] == "alert"
    assert ("gwent-2014", "recording_rate") not in found
    statuses = {row["status"] for row in document["outliers"]}
    assert {"detected", "force told", "response recorded"} <= statuses
    told = [row for row in document["outliers"] if row["status"] == "force told"]
    assert told[0]["due"] and told[0]["overdue"] is True
    # Safe to run again: no second case for a figure.
    count = OutlierCase.objects.count()
    run("outliers", "--programme", "crime-recording-2014", "--format", "json")
    assert OutlierCase.objects.count() == count


def test_grade_bands_sets_a_new_version_and_clears(demo):
    before = GradeBandSet.objects.filter(programme__slug="crime-recording-2014").count()
    run("grade_bands", "--programme", "crime-recording-2014", "--set", "good:0.9,poor:0")
    report = json.loads(
        run("compliance_report", "--programme", "crime-recording-2014", "--format", "json")
    )
    assert report["grade_bands"] == [{"grade": "good", "from": 0.9}, {"grade": "poor", "from": 0.0}]
    essex = next(
        row
        for row in report["rows"]
        if row["inspection"] == "essex-2014"
        and row["metric"] == "recording_rate"
        and row["scope"] == "inspection"
    )
    assert essex["grade"] == "good" and essex["grades_possible"] == ["good", "poor"]
    run("grade_bands", "--programme", "crime-recording-2014", "--clear")
    report = json.loads(
        run("compliance_report", "--programme", "crime-recording-2014", "--format", "json")
    )
    assert "grade_bands" not in report
    assert all("grade" not in row for row in report["rows"])
    assert GradeBandSet.objects.filter(programme__slug="crime-recording-2014").count() == before + 2
    assert AuditEvent.objects.filter(action="grade_bands_set").count() >= 2


def test_grade_bands_refuses_bounds_not_falling_to_zero(demo):
    before = GradeBandSet.objects.count()
    with pytest.raises(CommandError, match="strictly decreasing"):
        run(
            "grade_bands",
            "--programme",
            "crime-recording-2014",
            "--set",
            "good:0.8,great:0.9,poor:0",
        )
    assert GradeBandSet.objects.count() == before


def test_compliance_report_judges_every_inspection_row(demo):
    report = json.loads(
        run("compliance_report", "--programme", "crime-recording-2014", "--format", "json")
    )
    rows = [row for row in report["rows"] if row["scope"] == "inspection"]
    assert rows and all(row["versus_programme"] in ("better", "similar", "worse") for row in rows)
    assert all(row["funnel"] in ("within", "alert", "alarm") for row in rows)
    herts = next(
        r
        for r in rows
        if r["inspection"] == "hertfordshire-2014" and r["metric"] == "recording_rate"
    )
    assert (herts["versus_programme"], herts["funnel"], herts["funnel_side"]) == (
        "worse",
        "alarm",
        "low",
    )
    assert all(
        "versus_programme" not in row for row in report["rows"] if row["scope"] != "inspection"
    )


def test_funnel_side_is_the_side_of_the_centre_line_on_every_row(demo):
    report = json.loads(
        run("compliance_report", "--programme", "crime-recording-2014", "--format", "json")
    )
    rows = [row for row in report["rows"] if row["scope"] == "inspection"]
    within = [row for row in rows if row["funnel"] == "within"]
    assert within and len(within) < len(rows)
    assert all(row["funnel_side"] in ("low", "high") for row in rows)
    # Forces lie on both sides of the line inside the limits: the side is each force's own.
    assert {row["funnel_side"] for row in within} == {"low", "high"}
    csv_text = run("compliance_report", "--programme", "crime-recording-2014", "--format", "csv")
    sides = {}
    for line in csv.DictReader(io.StringIO(csv_text)):
        sides.setdefault(line["funnel"], set()).add(line["funnel_side"])
    assert sides["within"] == {"low", "high"}
