"""Two readers share a cached figures page only if they may see the same things."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from forces.models import Force, OffenceGroup, Region
from inspect_app.accounts import access
from inspect_app.accounts.roles import Role
from inspect_app.compliance.models import ComplianceFigure
from inspect_app.dashboard.caching import body_key, reader_scope
from inspect_app.inspections.models import Inspection, Programme
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

#: Everything a figures page body is built from.
FIGURE_MODELS = (ComplianceFigure, Force, Inspection, Programme, Region, OffenceGroup)


def what_they_see(user):
    return tuple(
        frozenset(model.objects.visible_to(user).values_list("pk", flat=True))
        for model in FIGURE_MODELS
    )


@pytest.fixture
def readers(
    stored,
    admin_user,
    lead_user,
    inspector_user,
    unassigned_inspector,
    commissioner_a,
    force_a,
    force_b,
):
    """A reader of every kind, with two of some so that sharing is possible at all."""
    return {
        "admin": admin_user,
        "lead": lead_user,
        "inspector": inspector_user,
        "unassigned inspector": unassigned_inspector,
        "commissioner of Essex": commissioner_a,
        "another of Essex": UserFactory(username="ca2", role=Role.COMMISSIONER, force=force_a),
        "commissioner of Herts": UserFactory(username="cb", role=Role.COMMISSIONER, force=force_b),
        "deactivated lead": UserFactory(username="dl", role=Role.LEAD_INSPECTOR, is_active=False),
        "signed out": AnonymousUser(),
    }


def test_readers_who_see_different_figures_never_share_a_page(rf, readers):
    request = rf.get("/programmes/test-programme/?method=exact")
    seen = {name: what_they_see(user) for name, user in readers.items()}
    key = {
        name: body_key(request, "programme", reader_scope(user), [1], 7)
        for name, user in readers.items()
    }
    for one, other in itertools.combinations(readers, 2):
        if seen[one] != seen[other]:
            assert key[one] != key[other], f"{one} and {other} would share a page"
    # What the pages are for: those who see the same share one body.
    assert key["admin"] == key["lead"] == key["inspector"] == key["unassigned inspector"]
    assert key["commissioner of Essex"] == key["another of Essex"]
    assert len(set(seen.values())) >= 4  # staff, Essex, Hertfordshire, nothing


def test_a_reader_of_an_inspections_cases_never_shares_its_page_with_one_who_may_not(
    inspection_a, inspector_user, unassigned_inspector
):
    def scope(user):
        return reader_scope(user, casework=access.may_do_casework(user, inspection_a))

    assert access.figures_scope(inspector_user) == access.figures_scope(unassigned_inspector)
    assert scope(inspector_user) != scope(unassigned_inspector)
