"""Fixtures for the review workflow: a second inspector on force A's team, cases to work on,
and helpers to post the decision form as a browser would."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inspect_app.accounts.roles import Role
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import SampledCase
from tests.factories import SampledCaseFactory, UserFactory


@pytest.fixture
def inspection_a(inspection_a):
    # Reviews in these tests are not blind unless a test says so: the share of
    # the double-review sample is set explicitly where it matters.
    inspection_a.double_review_fraction = Decimal(0)
    inspection_a.save()
    return inspection_a


@pytest.fixture
def second_inspector(inspection_a):
    user = UserFactory(
        username="ivan-inspector", role=Role.INSPECTOR, first_name="Ivan", last_name="Second"
    )
    inspection_a.inspectors.add(user)
    return user


@pytest.fixture
def other_lead(db):
    return UserFactory(username="lou-lead", role=Role.LEAD_INSPECTOR)


@pytest.fixture
def assigned_case(case_a, inspector_user):
    # As the app assigns: an update of that one field, not a save of the record.
    SampledCase.objects.filter(pk=case_a.pk).update(assigned_to=inspector_user)
    case_a.refresh_from_db()
    return case_a


def make_cases(inspection, count, prefix="CASE", **extra):
    return [
        SampledCaseFactory(inspection=inspection, reference=f"{prefix}-{number:03d}", **extra)
        for number in range(1, count + 1)
    ]


def case_page(case, queue=None):
    url = reverse("review-case", kwargs={"slug": case.inspection.slug, "pk": case.pk})
    return f"{url}?queue={queue}" if queue else url


def answers(**decisions):
    """Form data for the decision form: True/False/None → yes/no/blank."""
    return {name: {True: "yes", False: "no", None: ""}[value] for name, value in decisions.items()}


def post_review(client, case, kind="first", version=0, action="save", queue="mine", **fields):
    data = {"kind": kind, "version": version, "action": action, "queue": queue, "notes": ""}
    data.update(fields)
    return client.post(case_page(case), data)


ALL_YES_INCIDENT = answers(
    should_record=True, was_recorded=True, correctly_classified=True, on_time=True
)
NOT_A_CRIME = answers(should_record=False)


@pytest.fixture
def incident():
    return RecordType.INCIDENT
