"""Setting up an inspection: the services that create programmes, inspections and teams,
and the pages that call them (who may use them, what they show, what they refuse)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.accounts.roles import Role
from inspect_app.inspections import setup
from inspect_app.inspections.models import Inspection, InspectionStatus, Programme
from tests.factories import CaseReviewFactory, SampledCaseFactory, UserFactory, force

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def title(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


# --- services ---------------------------------------------------------------------------------


def test_a_programme_gets_its_slug_from_its_name_and_is_logged(admin_user):
    programme = setup.create_programme(name="Crime data integrity 2026", year=2026, by=admin_user)
    assert programme.slug == "crime-data-integrity-2026"
    event = AuditEvent.objects.get(action=AuditAction.PROGRAMME_CREATED)
    assert event.actor == admin_user and event.target == "programme crime-data-integrity-2026"


def test_a_derived_slug_already_taken_is_refused_at_the_slug(programme):
    with pytest.raises(ValidationError) as refused:
        setup.create_programme(name="Test programme")  # the fixture's slug
    assert "slug" in refused.value.message_dict
    assert "already a programme at 'test-programme'" in refused.value.message_dict["slug"][0]
    assert Programme.objects.count() == 1 and not AuditEvent.objects.exists()


def test_an_inspection_gets_its_slug_from_force_and_programme(programme, admin_user):
    inspection = setup.create_inspection(
        programme=programme,
        force=force("E23000028"),
        recording_time_limit_hours=72,
        double_review_fraction=Decimal("0.25"),
        by=admin_user,
    )
    assert inspection.slug == "essex-test-programme"
    assert inspection.status == InspectionStatus.PLANNED
    assert inspection.recording_time_limit_hours == 72
    assert inspection.double_review_fraction == Decimal("0.25")
    assert not inspection.inspectors.exists()
    event = AuditEvent.objects.get(action=AuditAction.INSPECTION_CREATED)
    assert event.details == {"programme": "test-programme", "force": "E23000028"}


def test_a_second_inspection_of_a_force_is_refused_at_the_force(inspection_a):
    with pytest.raises(ValidationError) as refused:
        setup.create_inspection(programme=inspection_a.programme, force=inspection_a.force)
    assert refused.value.message_dict == {
        "force": ["This force already has an inspection in this programme."]
    }


def test_a_period_ending_before_it_starts_is_refused_at_its_end(programme):
    with pytest.raises(ValidationError) as refused:
        setup.create_inspection(
            programme=programme,
            force=force("E23000028"),
            audit_period_start=datetime.date(2026, 4, 1),
            audit_period_end=datetime.date(2026, 3, 1),
        )
    assert refused.value.message_dict == {
        "audit_period_end": ["The audit period ends before it starts."]
    }


def test_the_command_line_is_named_in_the_log(programme):
    setup.create_inspection(programme=programme, force=force("E23000028"))
    event = AuditEvent.objects.get(action=AuditAction.INSPECTION_CREATED)
    assert event.actor is None and event.details["via"] == "command line"


def test_assigning_is_all_or_nothing(inspection_a, unassigned_inspector, admin_user, lead_user):
    with pytest.raises(setup.TeamRefused) as refused:
        setup.assign_inspectors(inspection_a, [unassigned_inspector, admin_user])
    assert refused.value.reasons == {
        "alice-admin": "alice-admin is an admin: only inspectors and lead inspectors can be on "
        "an inspection's team"
    }
    assert not inspection_a.inspectors.exists()
    added = setup.assign_inspectors(inspection_a, [unassigned_inspector, lead_user], by=lead_user)
    assert added == [unassigned_inspector, lead_user]
    event = AuditEvent.objects.get(action=AuditAction.TEAM_CHANGE)
    assert event.actor == lead_user and event.details == {"added": ["uma-unassigned", "lee-lead"]}


def test_assigning_twice_changes_nothing_the_second_time(inspector_user, inspection_a):
    assert setup.assign_inspectors(inspection_a, [inspector_user]) == []
    assert not AuditEvent.objects.filter(action=AuditAction.TEAM_CHANGE).exists()


def test_a_deactivated_inspector_is_refused(inspection_a):
    gone = UserFactory(username="gone", role=Role.INSPECTOR, is_active=False)
    with pytest.raises(setup.TeamRefused, match="gone is deactivated"):
        setup.assign_inspectors(inspection_a, [gone])


def test_an_inspector_with_cases_to_review_stays_on_the_team(inspection_a, inspector_user):
    case = SampledCaseFactory(inspection=inspection_a, reference="W-1", assigned_to=inspector_user)
    with pytest.raises(setup.TeamRefused, match="still has 1 case to review"):
        setup.remove_inspectors(inspection_a, [inspector_user])
    assert inspection_a.inspectors.filter(pk=inspector_user.pk).exists()
    CaseReviewFactory(case=case, reviewer=inspector_user, should_record=False)
    assert setup.remove_inspectors(inspection_a, [inspector_user]) == [inspector_user]
    assert not inspection_a.inspectors.exists()
    event = AuditEvent.objects.get(action=AuditAction.TEAM_CHANGE)
    assert event.details["removed"] == ["isla-inspector"]


def test_a_lead_with_cases_can_leave_the_team(inspection_a, lead_user):
    inspection_a.inspectors.add(lead_user)
    SampledCaseFactory(inspection=inspection_a, reference="L-1", assigned_to=lead_user)
    assert setup.remove_inspectors(inspection_a, [lead_user]) == [lead_user]


# --- who may use the pages ----------------------------------------------------------------------


def test_inspections_new_is_the_create_page_not_an_inspection_called_new():
    assert resolve("/inspections/new/").url_name == "inspection-create"
    assert resolve("/programmes/new/").url_name == "programme-create"
    assert reverse("inspection-team", kwargs={"slug": "essex-test"}) == (
        "/inspections/essex-test/team/"
    )


@pytest.mark.parametrize(
    ("role_fixture", "create", "team"),
    [
        ("admin_user", 200, 200),
        ("lead_user", 403, 200),
        ("inspector_user", 403, 403),
        ("unassigned_inspector", 403, 403),
        ("commissioner_a", 403, 403),
    ],
)
def test_each_role_reaches_only_its_set_up_pages(
    client, request, inspection_a, role_fixture, create, team
):
    as_user(client, request.getfixturevalue(role_fixture))
    assert client.get(reverse("programme-create")).status_code == create
    assert client.get(reverse("inspection-create")).status_code == create
    assert client.post(reverse("inspection-create"), {}).status_code in (
        (create,) if create == 403 else (400,)
    )
    assert client.get(reverse("inspection-team", args=[inspection_a.slug])).status_code == team


def test_strangers_are_sent_to_sign_in(client, inspection_a):
    for url in (
        reverse("programme-create"),
        reverse("inspection-create"),
        reverse("inspection-team", args=[inspection_a.slug]),
    ):
        assert client.get(url)["Location"].startswith(reverse("login"))


# --- the programme page -----------------------------------------------------------------------


def test_creating_a_programme_goes_to_its_page_with_a_message(client, admin_user):
    response = as_user(client, admin_user).post(
        reverse("programme-create"), {"name": "Crime data integrity 2026", "year": "2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("programme-detail", args=["crime-data-integrity-2026"])
    page = client.get(response["Location"]).content.decode()
    assert "Programme “Crime data integrity 2026” created." in page
    assert f'href="{reverse("inspection-create")}?programme=crime-data-integrity-2026"' in page


def test_a_programme_with_errors_is_shown_again_with_a_summary(client, admin_user, programme):
    response = as_user(client, admin_user).post(
        reverse("programme-create"), {"name": "", "slug": "not a slug", "year": "next"}
    )
    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    page = response.content.decode()
    for field, message in (
        ("name", "Enter the programme&#x27;s name"),
        ("slug", "The short name may only hold letters, numbers and hyphens"),
        ("year", "Enter the year as a number, like 2026"),
    ):
        assert f'<a href="#id_{field}">{message}</a>' in page  # in the summary, linked
        assert f'id="id_{field}_error"><span class="visually-hidden">Error:</span> {message}' in (
            page
        )
    assert 'aria-describedby="id_name_helptext id_name_error"' in page
    assert 'class="error-summary" role="alert"' in page and "autofocus>" in page
    assert Programme.objects.count() == 1


def test_a_taken_slug_is_an_error_at_the_slug(client, admin_user, programme):
    response = as_user(client, admin_user).post(
        reverse("programme-create"), {"name": "Test programme"}
    )
    assert response.status_code == 400
    assert '<a href="#id_slug">There is already a programme at' in response.content.decode()


def test_a_page_without_errors_has_a_plain_title(client, admin_user):
    response = as_user(client, admin_user).get(reverse("programme-create"))
    assert title(response).startswith("Create a programme")
    assert b"There is a problem" not in response.content


# --- the inspection page ----------------------------------------------------------------------


def test_the_programme_in_the_address_is_chosen_already(client, admin_user, programme):
    other = Programme.objects.create(slug="other", name="Other")
    page = (
        as_user(client, admin_user)
        .get(reverse("inspection-create"), {"programme": "test-programme"})
        .content.decode()
    )
    assert f'<option value="{programme.pk}" selected>' in page
    assert f'<option value="{other.pk}">' in page


def test_creating_an_inspection_goes_to_it_and_points_to_its_team(client, admin_user, programme):
    response = as_user(client, admin_user).post(
        reverse("inspection-create"),
        {
            "programme": programme.pk,
            "force": force("E23000028").pk,
            "audit_period_start": "2025-11-01",
            "audit_period_end": "30/04/2026",
            "recording_time_limit_hours": "24",
            "double_review_percentage": "12.5",
        },
    )
    inspection = Inspection.objects.get()
    assert response["Location"] == inspection.get_absolute_url()
    assert inspection.slug == "essex-test-programme"
    assert inspection.audit_period_end == datetime.date(2026, 4, 30)
    assert inspection.double_review_fraction == Decimal("0.125")
    page = client.get(response["Location"]).content.decode()
    assert "Inspection of Essex created." in page
    assert f'href="{reverse("inspection-team", args=[inspection.slug])}"' in page


def test_an_inspection_with_errors_says_each_at_its_field(client, admin_user, inspection_a):
    response = as_user(client, admin_user).post(
        reverse("inspection-create"),
        {
            "programme": inspection_a.programme.pk,
            "force": inspection_a.force.pk,
            "audit_period_start": "2026-04-01",
            "audit_period_end": "2026-03-01",
            "recording_time_limit_hours": "24",
            "double_review_percentage": "10",
        },
    )
    assert response.status_code == 400 and title(response).startswith("Error: ")
    page = response.content.decode()
    assert '<a href="#id_force">This force already has an inspection in this programme.</a>' in (
        page
    )
    assert '<a href="#id_audit_period_end">The audit period ends before it starts.</a>' in page
    assert Inspection.objects.count() == 1


def test_every_error_is_said_at_once_the_periods_too(client, admin_user, programme):
    response = as_user(client, admin_user).post(
        reverse("inspection-create"),
        {
            "programme": programme.pk,
            "force": force("E23000028").pk,
            "fieldwork_start": "2026-05-01",
            "fieldwork_end": "2026-04-30",
            "recording_time_limit_hours": "0",
            "double_review_percentage": "150",
        },
    )
    page = response.content.decode()
    assert "The share of cases double reviewed must be 100% or less" in page
    assert "The recording time limit must be at least 1 hour" in page
    assert '<a href="#id_fieldwork_end">The fieldwork ends before it starts.</a>' in page
    assert not Inspection.objects.exists()


def test_only_the_values_given_are_checked(programme):
    assert setup.inspection_problems(audit_period_end=datetime.date(2026, 4, 1)) == {}
    assert setup.inspection_problems(
        audit_period_start=datetime.date(2026, 4, 2),
        audit_period_end=datetime.date(2026, 4, 1),
        fieldwork_end=datetime.date(2026, 1, 1),
    ) == {"audit_period_end": ["The audit period ends before it starts."]}
    assert not Inspection.objects.exists()


def test_without_a_programme_the_page_says_to_create_one(client, admin_user):
    page = as_user(client, admin_user).get(reverse("inspection-create")).content.decode()
    assert f'href="{reverse("programme-create")}"' in page and "<select" not in page


# --- the team page ----------------------------------------------------------------------------


@pytest.fixture
def people(db, force_a):
    """Everyone the picker must and must not offer."""
    return {
        "inspector": UserFactory(username="ivy", role=Role.INSPECTOR, first_name="Ivy"),
        "lead": UserFactory(username="leo", role=Role.LEAD_INSPECTOR),
        "admin": UserFactory(username="ada", role=Role.ADMIN),
        "commissioner": UserFactory(username="cid", role=Role.COMMISSIONER, force=force_a),
        "deactivated": UserFactory(username="dot", role=Role.INSPECTOR, is_active=False),
    }


def team_page(inspection):
    return reverse("inspection-team", args=[inspection.slug])


def test_the_picker_offers_only_active_inspectors_and_leads_not_on_the_team(
    client, lead_user, inspection_a, inspector_user, people
):
    response = as_user(client, lead_user).get(team_page(inspection_a))
    offered = set(response.context["add_form"].fields["people"].queryset)
    assert offered == {people["inspector"], people["lead"], lead_user}
    page = response.content.decode()
    assert "Ivy (inspector, ivy)" in page
    assert 'name="people"' in page and 'value="' + str(people["admin"].pk) + '"' not in page
    assert "isla-inspector" in page.split("Add people")[0]  # on the team already


def test_adding_people_puts_them_on_the_team(client, admin_user, inspection_a, people):
    response = as_user(client, admin_user).post(
        team_page(inspection_a),
        {"action": "add", "people": [people["inspector"].pk, people["lead"].pk]},
    )
    assert response.status_code == 302 and response["Location"] == team_page(inspection_a)
    assert set(inspection_a.inspectors.all()) == {people["inspector"], people["lead"]}
    page = client.get(team_page(inspection_a)).content.decode()
    assert "Added to the team: " in page
    assert "Ivy (inspector, ivy)" in page and "leo (lead inspector)" in page


@pytest.mark.parametrize("who", ["admin", "commissioner", "deactivated"])
def test_a_forged_post_cannot_add_anyone_else(client, admin_user, inspection_a, people, who):
    response = as_user(client, admin_user).post(
        team_page(inspection_a), {"action": "add", "people": [people[who].pk]}
    )
    assert response.status_code == 400 and title(response).startswith("Error: ")
    assert '<a href="#team-people_0">That person cannot be added' in response.content.decode()
    assert not inspection_a.inspectors.exists()


def test_adding_nobody_is_an_error(client, admin_user, inspection_a, people):
    response = as_user(client, admin_user).post(team_page(inspection_a), {"action": "add"})
    assert response.status_code == 400
    assert "Select at least one person to add to the team" in response.content.decode()


def test_removing_someone_takes_them_off(client, lead_user, inspection_a, inspector_user):
    response = as_user(client, lead_user).post(
        team_page(inspection_a), {"action": "remove", "person": inspector_user.pk}
    )
    assert response.status_code == 302
    assert not inspection_a.inspectors.exists()
    assert "Removed from the team: isla-inspector (inspector)." in (
        client.get(team_page(inspection_a)).content.decode()
    )


def test_removing_someone_with_cases_is_refused_with_the_reason(
    client, lead_user, inspection_a, inspector_user
):
    SampledCaseFactory(inspection=inspection_a, reference="W-1", assigned_to=inspector_user)
    response = as_user(client, lead_user).post(
        team_page(inspection_a), {"action": "remove", "person": inspector_user.pk}
    )
    assert response.status_code == 400 and title(response).startswith("Error: ")
    assert "Isla-inspector still has 1 case to review" not in response.content.decode()
    assert "isla-inspector still has 1 case to review in this inspection" in (
        response.content.decode().lower()
    )
    assert inspection_a.inspectors.filter(pk=inspector_user.pk).exists()


def test_the_team_of_an_inspection_of_another_force_is_managed_too(
    client, lead_user, inspection_b, people
):
    as_user(client, lead_user).post(
        team_page(inspection_b), {"action": "add", "people": [people["inspector"].pk]}
    )
    assert list(inspection_b.inspectors.all()) == [people["inspector"]]
