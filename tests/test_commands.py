"""The foundation's commands: create_user, create_inspection, load_demo.

Failures are run through manage.py's own entry point so the test sees what a
person sees: one line and a non-zero exit, never a traceback.
"""

import io

import pytest
from django.core.management import call_command

from inspect_app.accounts.models import User
from inspect_app.accounts.roles import Role
from inspect_app.inspections.models import CaseReview, Inspection, Programme, SampledCase
from tests.management import run_command

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "a-long-enough-passphrase"


def assert_one_line_failure(status, err, text):
    assert status != 0
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert text in err


# --- create_user ----------------------------------------------------------------------------


def test_create_user_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", GOOD_PASSWORD)
    status, out, _ = run_command(
        "create_user", "jo", "--role", "lead_inspector", "--email", "jo@x.org"
    )
    assert status == 0 and "created lead inspector jo" in out
    user = User.objects.get(username="jo")
    assert user.role == Role.LEAD_INSPECTOR and user.email == "jo@x.org"
    assert user.check_password(GOOD_PASSWORD)


def test_create_user_reads_the_password_from_standard_input(monkeypatch):
    monkeypatch.delenv("NEW_USER_PASSWORD", raising=False)
    status, out, _ = run_command(
        "create_user",
        "cc",
        "--role",
        "commissioner",
        "--force",
        "E23000028",
        stdin=GOOD_PASSWORD + "\n",
    )
    assert status == 0, out
    user = User.objects.get(username="cc")
    assert user.force.name == "Essex" and user.check_password(GOOD_PASSWORD)
    assert "for Essex" in out


def test_create_user_updates_an_existing_user(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", GOOD_PASSWORD)
    run_command("create_user", "sam", "--role", "inspector")
    monkeypatch.delenv("NEW_USER_PASSWORD")
    status, out, _ = run_command("create_user", "sam", "--role", "admin")  # keeps the password
    assert status == 0 and "updated admin sam" in out
    sam = User.objects.get(username="sam")
    assert sam.role == Role.ADMIN and sam.is_staff and sam.check_password(GOOD_PASSWORD)
    assert User.objects.filter(username="sam").count() == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pat", "--role", "commissioner"], "a commissioner needs --force"),
        (["pat", "--role", "commissioner", "--force", "E99999999"], "unknown force 'E99999999'"),
        (["pat", "--role", "inspector", "--force", "E23000028"], "only commissioners are bound"),
    ],
)
def test_create_user_refuses_bad_input_in_one_line(monkeypatch, argv, message):
    monkeypatch.setenv("NEW_USER_PASSWORD", GOOD_PASSWORD)
    status, _, err = run_command("create_user", *argv)
    assert_one_line_failure(status, err, message)
    assert not User.objects.filter(username="pat").exists()


def test_create_user_refuses_an_unknown_role(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", GOOD_PASSWORD)
    status, _, err = run_command("create_user", "pat", "--role", "sheriff")
    assert status != 0 and "invalid choice: 'sheriff'" in err
    assert not User.objects.filter(username="pat").exists()


def test_create_user_needs_a_password_for_a_new_user(monkeypatch):
    monkeypatch.delenv("NEW_USER_PASSWORD", raising=False)
    status, _, err = run_command("create_user", "pat", "--role", "inspector", stdin="")
    assert_one_line_failure(status, err, "no password given")


def test_create_user_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", "password")
    status, _, err = run_command("create_user", "pat", "--role", "inspector")
    assert_one_line_failure(status, err, "password refused")
    assert not User.objects.filter(username="pat").exists()


def test_create_user_never_takes_a_password_argument(monkeypatch):
    status, _, err = run_command(
        "create_user", "pat", "--role", "inspector", "--password", "x" * 20
    )
    assert status != 0 and "unrecognized arguments" in err


# --- create_inspection ----------------------------------------------------------------------


def test_create_inspection_creates_the_programme_when_new():
    status, out, _ = run_command(
        "create_inspection",
        "essex-2016",
        "--force",
        "E23000028",
        "--programme",
        "cdi-2016",
        "--time-limit-hours",
        "24",
    )
    assert status == 0, out
    inspection = Inspection.objects.get(slug="essex-2016")
    assert inspection.force.code == "E23000028"
    assert inspection.programme.slug == "cdi-2016"
    assert inspection.recording_time_limit_hours == 24
    assert "created programme cdi-2016" in out

    status, out, _ = run_command(
        "create_inspection", "kent-2016", "--force", "e23000032", "--programme", "cdi-2016"
    )
    assert status == 0 and "created programme" not in out
    assert Programme.objects.filter(slug="cdi-2016").count() == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["essex-2016", "--force", "E23000999", "--programme", "cdi"], "unknown force"),
        (["essex 2016", "--force", "E23000028", "--programme", "cdi"], "may only hold letters"),
        (
            ["essex-2016", "--force", "E23000028", "--programme", "cdi", "--time-limit-hours", "0"],
            "positive number of hours",
        ),
    ],
)
def test_create_inspection_refuses_bad_input_in_one_line(argv, message):
    status, _, err = run_command("create_inspection", *argv)
    assert_one_line_failure(status, err, message)
    assert not Inspection.objects.exists() and not Programme.objects.exists()


def test_create_inspection_refuses_a_duplicate_slug():
    run_command("create_inspection", "essex-2016", "--force", "E23000028", "--programme", "cdi")
    status, _, err = run_command(
        "create_inspection", "essex-2016", "--force", "E23000032", "--programme", "other"
    )
    assert_one_line_failure(status, err, "already exists")
    assert not Programme.objects.filter(slug="other").exists()


def test_create_inspection_refuses_a_second_inspection_of_a_force_in_a_programme():
    run_command("create_inspection", "essex-2016", "--force", "E23000028", "--programme", "cdi")
    status, _, err = run_command(
        "create_inspection", "essex-again", "--force", "Essex", "--programme", "cdi"
    )
    assert_one_line_failure(status, err, "Essex already has an inspection")
    assert Inspection.objects.count() == 1


# --- load_demo ------------------------------------------------------------------------------

PUBLISHED = {
    # slug: (should have been recorded, recorded, no-crimes reviewed, correct)
    "essex-2014": (120, 110, 73, 68),
    "hertfordshire-2014": (181, 130, 75, 71),
    "cheshire-2014": (90, 62, 71, 42),
    "cleveland-2014": (85, 67, 84, 47),
    "devon-and-cornwall-2014": (117, 98, 104, 94),
    "dorset-2014": (87, 61, 0, 0),
    "gwent-2014": (67, 58, 0, 0),
    "north-wales-2014": (78, 73, 0, 0),
    "norfolk-2014": (74, 63, 64, 58),
    "north-yorkshire-2014": (64, 56, 0, 0),
    "sussex-2014": (133, 111, 0, 0),
    "thames-valley-2014": (139, 118, 0, 0),
}


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", GOOD_PASSWORD)
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_reproduces_the_published_2014_counts(demo):
    assert set(
        Inspection.objects.filter(programme__slug="crime-recording-2014").values_list(
            "slug", flat=True
        )
    ) == set(PUBLISHED)
    for slug, (should, recorded, no_crimes, correct) in PUBLISHED.items():
        reviews = CaseReview.objects.filter(case__inspection__slug=slug, kind="first")
        assert reviews.filter(should_record=True).count() == should, slug
        assert reviews.filter(should_record=True, was_recorded=True).count() == recorded, slug
        assert reviews.filter(record_type="no_crime").count() == no_crimes, slug
        assert reviews.filter(cancellation_correct=True).count() == correct, slug


def test_load_demo_spreads_cases_over_record_types_and_offence_groups(demo):
    essex = SampledCase.objects.filter(inspection__slug="essex-2014")
    assert set(essex.values_list("record_type", flat=True)) == {
        "incident",
        "other_system",
        "no_crime",
        "oocd",
    }
    assert essex.exclude(offence_group=None).values("offence_group").distinct().count() >= 8
    assert essex.filter(offence_group__code="RAPE").exists()
    # Every case has its first review; a tenth also a blind second review by
    # the other inspector on the inspection.
    first = CaseReview.objects.filter(case__in=essex, kind="first")
    second = CaseReview.objects.filter(case__in=essex, kind="second")
    assert first.count() == essex.count()
    assert 0.05 * essex.count() < second.count() < 0.15 * essex.count()
    inspection = Inspection.objects.get(slug="essex-2014")
    first_reviewers = {review.reviewer for review in first}
    second_reviewers = {review.reviewer for review in second}
    assert len(first_reviewers) == len(second_reviewers) == 1
    assert first_reviewers != second_reviewers
    assert set(inspection.inspectors.all()) == first_reviewers | second_reviewers


def test_load_demo_leaves_a_practice_round_open_for_review(demo):
    practice = Inspection.objects.get(slug="essex-practice")
    assert practice.status == "review" and practice.is_open_for_review
    cases = SampledCase.objects.filter(inspection=practice)
    assert cases.count() == 30 and not CaseReview.objects.filter(case__in=cases).exists()
    assert cases.filter(assigned_to__username="inspector").count() == 10
    assert cases.filter(assigned_to__isnull=True).count() == 15


def test_load_demo_prints_the_demo_log_ins(demo):
    assert "demo programme crime-recording-2014 loaded: 12 inspections" in demo
    for username in ("admin", "lead", "inspector", "inspector2", "commissioner"):
        assert username in demo
        assert User.objects.get(username=username).check_password(GOOD_PASSWORD)
    assert GOOD_PASSWORD in demo
    assert User.objects.get(username="commissioner").force.name == "Essex"


def test_load_demo_prints_each_users_authenticator_beside_their_password(demo):
    from base64 import b32decode
    from urllib.parse import parse_qs, urlparse

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for username in ("admin", "lead", "inspector", "inspector2", "commissioner"):
        line = next(line for line in demo.splitlines() if line.split()[:1] == [username])
        assert line.split()[1] == GOOD_PASSWORD
        uri = urlparse(line.split()[-1])
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp"), line
        app = TOTP(b32decode(parse_qs(uri.query)["secret"][0]))
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert device.verify_token(f"{app.token():06d}"), username


def test_load_demo_twice_changes_nothing(demo):
    counts = (SampledCase.objects.count(), CaseReview.objects.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "already present" in out.getvalue()
    assert (SampledCase.objects.count(), CaseReview.objects.count()) == counts


def test_load_demo_reset_rebuilds_the_same_data(demo):
    before = sorted(
        SampledCase.objects.values_list("reference", "record_type", "offence_group__code")
    )
    call_command("load_demo", "--reset", stdout=io.StringIO())
    after = sorted(
        SampledCase.objects.values_list("reference", "record_type", "offence_group__code")
    )
    assert before == after


def test_load_demo_makes_fresh_passwords_unless_told(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first, second = io.StringIO(), io.StringIO()
    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)
    line = next(line for line in first.getvalue().splitlines() if line.strip().startswith("admin"))
    password = line.split()[1]
    assert password not in second.getvalue()
    assert len(password) >= 12


def test_load_demo_stores_the_figures_the_dashboards_read(demo):
    from inspect_app.compliance.models import ComplianceFigure

    essex = ComplianceFigure.objects.get(
        inspection__slug="essex-2014", scope="inspection", metric="recording_rate"
    )
    assert (essex.numerator, essex.denominator) == (110, 120)
