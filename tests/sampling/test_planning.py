"""Planning a stratified sample over an extract: allocation, minimum, margins, versions."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.core import allocation, stats
from inspect_app.sampling import planning
from inspect_app.sampling.models import SamplePlan
from tests.sampling.helpers import small_extract


def test_proportional_allocation_follows_the_strata_sizes():
    planned = allocation.allocate([9000, 1000], [0.9, 0.9], margin=0.03, minimum=0)
    big, small = planned.strata
    assert big.sample == pytest.approx(9 * small.sample, abs=9)
    assert planned.expected_margin <= 0.03
    # One fewer record overall would miss the margin: the plan is the smallest that meets it.
    fewer = allocation.share_out(
        planned.total_sample - 2, [9000, 1000], [0.9, 0.9], "proportional", 0
    )
    assert allocation.expected_margin([9000, 1000], fewer, [0.9, 0.9], 0.95, True) > 0.03


def test_neyman_allocation_gives_more_to_the_more_variable_stratum():
    planned = allocation.allocate(
        [5000, 5000], [0.99, 0.5], margin=0.03, minimum=0, allocation="neyman"
    )
    steady, variable = planned.strata
    assert variable.sample > 3 * steady.sample


def test_equal_allocation_and_a_stratum_too_small_is_taken_whole():
    planned = allocation.allocate([5000, 12], [0.9, 0.9], margin=0.03, allocation="equal")
    large, tiny = planned.strata
    assert tiny.sample == 12 and tiny.takes_all and tiny.expected_margin is None
    assert large.sample > 12


def test_a_minimum_larger_than_the_whole_sample_is_refused():
    with pytest.raises(stats.StatsError, match="minimum per stratum .* is more than the whole"):
        allocation.allocate([5000, 5000], [0.9, 0.9], margin=0.2, minimum=400)


def test_without_the_finite_population_correction_the_plan_is_larger():
    with_fpc = allocation.allocate([2000], [0.9], margin=0.02)
    without = allocation.allocate([2000], [0.9], margin=0.02, fpc=False)
    assert without.total_sample > with_fpc.total_sample
    assert without.total_sample == stats.sample_size(0.9, 0.02)


@pytest.mark.django_db
def test_a_plan_over_the_extract_shows_each_stratum_and_is_saved_as_a_version(
    inspection_a, tmp_path, admin_user
):
    small_extract(inspection_a, tmp_path)
    proposal = planning.propose(
        inspection_a, stratify_by="record_type", margin=0.1, expected_rate=0.9, minimum=10
    )
    by_label = {stratum.label: stratum for stratum in proposal.strata}
    assert by_label["incident"].population == 80
    assert by_label["no_crime"].population == 20
    assert by_label["no_crime"].sample >= 10
    assert proposal.total_population == 100
    assert proposal.expected_margin <= 0.1
    first = planning.save(proposal, by=admin_user)
    second = planning.save(proposal, by=admin_user)
    assert (first.version, second.version) == (1, 2)
    assert planning.current_plan(inspection_a) == second
    assert AuditEvent.objects.filter(action=AuditAction.SAMPLE_PLANNED).count() == 2


@pytest.mark.django_db
def test_two_fields_make_their_combinations_the_strata(inspection_a, tmp_path):
    small_extract(inspection_a, tmp_path)
    proposal = planning.propose(
        inspection_a, stratify_by="record_type,route", margin=0.1, minimum=5
    )
    assert [stratum.key for stratum in proposal.strata] == [
        {"record_type": "incident", "route": "control room"},
        {"record_type": "no_crime", "route": "front desk"},
    ]


@pytest.mark.django_db
def test_the_command_prints_the_json_of_interfaces_md_and_saves(inspection_a, tmp_path, capsys):
    small_extract(inspection_a, tmp_path)
    call_command(
        "plan_sample",
        "--inspection",
        inspection_a.slug,
        "--stratify-by",
        "record_type",
        "--margin",
        "0.05",
        "--expected-rate",
        "0.9",
        "--minimum",
        "25",
        "--save",
        "--format",
        "json",
    )
    document = json.loads(capsys.readouterr().out)
    assert document["inspection"] == inspection_a.slug
    assert document["stratify_by"] == ["record_type"]
    assert document["allocation"] == "proportional"
    strata = {row["stratum"]["record_type"]: row for row in document["strata"]}
    assert strata["no_crime"] == {
        "stratum": {"record_type": "no_crime"},
        "population": 20,
        "sample": 20,
        "expected_margin": None,
        "note": "takes all 20 records: the stratum holds no more",
    }
    assert document["total_population"] == 100
    assert document["total_sample"] == sum(row["sample"] for row in document["strata"])
    assert SamplePlan.objects.get(inspection=inspection_a).version == 1


@pytest.mark.django_db
def test_the_plain_sample_size_form_still_works(capsys):
    call_command("plan_sample", "--expected-rate", "0.9", "--margin", "0.015")
    assert "sample size: 1537" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--stratify-by", "colour"], "cannot stratify by colour"),
        (["--stratify-by", "record_type", "--minimum", "5000"], "minimum per stratum"),
    ],
)
def test_the_command_refuses_bad_plans_and_saves_nothing(
    inspection_a, tmp_path, arguments, message
):
    small_extract(inspection_a, tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command(
            "plan_sample",
            "--inspection",
            inspection_a.slug,
            "--margin",
            "0.1",
            "--save",
            *arguments,
        )
    assert not SamplePlan.objects.exists()


@pytest.mark.django_db
def test_a_plan_without_an_extract_is_refused(inspection_a):
    with pytest.raises(planning.PlanRefused, match="no extract"):
        planning.propose(inspection_a, stratify_by="record_type", margin=0.05)
