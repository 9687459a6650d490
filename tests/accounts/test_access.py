"""visible_to() for every role: the one rule every page and export relies on."""

import pytest
from django.contrib.auth.models import AnonymousUser

from forces.models import Force, OffenceGroup, Region
from inspect_app.core import querysets
from inspect_app.core.querysets import ScopedQuerySet
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    Programme,
    SampleBatch,
    SampledCase,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(inspection_a, inspection_b, review_a, review_b, admin_user):
    for inspection in (inspection_a, inspection_b):
        SampleBatch.objects.create(
            inspection=inspection,
            original_filename="s.csv",
            content_sha256=inspection.slug.ljust(64, "0")[:64],
            uploaded_by=admin_user,
        )
    return {"a": inspection_a, "b": inspection_b}


def visible(model, user, **filters):
    return set(model.objects.visible_to(user).filter(**filters).values_list("pk", flat=True))


def test_admins_and_lead_inspectors_see_everything(world, admin_user, lead_user):
    for user in (admin_user, lead_user):
        for model in (Force, Region, Inspection, Programme, SampledCase, CaseReview, SampleBatch):
            assert visible(model, user) == set(model.objects.values_list("pk", flat=True))


def test_an_inspector_sees_every_force_but_only_assigned_cases(world, inspector_user):
    assert Force.objects.visible_to(inspector_user).count() == 43
    assert visible(Inspection, inspector_user) == {world["a"].pk, world["b"].pk}
    assert {c.inspection for c in SampledCase.objects.visible_to(inspector_user)} == {world["a"]}
    assert {r.case.inspection for r in CaseReview.objects.visible_to(inspector_user)} == {
        world["a"]
    }
    assert {b.inspection for b in SampleBatch.objects.visible_to(inspector_user)} == {world["a"]}


def test_an_unassigned_inspector_sees_figures_but_no_cases(world, unassigned_inspector):
    assert Inspection.objects.visible_to(unassigned_inspector).count() == 2
    assert not SampledCase.objects.visible_to(unassigned_inspector).exists()
    assert not CaseReview.objects.visible_to(unassigned_inspector).exists()
    assert not SampleBatch.objects.visible_to(unassigned_inspector).exists()


def test_a_commissioner_sees_their_own_force_and_nothing_else(world, commissioner_a, force_a):
    assert list(Force.objects.visible_to(commissioner_a)) == [force_a]
    assert list(Region.objects.visible_to(commissioner_a)) == [force_a.region]
    assert list(Inspection.objects.visible_to(commissioner_a)) == [world["a"]]
    assert list(Programme.objects.visible_to(commissioner_a)) == [world["a"].programme]
    # Never a case, a narrative, a review or a batch — not even of their own force.
    for model in (SampledCase, CaseReview, SampleBatch):
        assert not model.objects.visible_to(commissioner_a).exists()
    # Offence groups are harmless reference lists.
    assert OffenceGroup.objects.visible_to(commissioner_a).count() == 12


def test_nobody_signed_in_sees_nothing(world):
    for model in (Force, Region, OffenceGroup, Inspection, SampledCase, CaseReview):
        assert not model.objects.visible_to(AnonymousUser()).exists()
        assert not model.objects.visible_to(None).exists()


def test_a_deactivated_user_sees_nothing(world, admin_user):
    admin_user.is_active = False
    assert not Inspection.objects.visible_to(admin_user).exists()


def test_a_commissioner_of_a_programme_with_two_forces_gets_each_row_once(world, commissioner_a):
    assert Programme.objects.visible_to(commissioner_a).count() == 1


def test_scoping_fails_closed_until_the_rules_are_installed(world, admin_user, monkeypatch):
    assert Inspection.objects.visible_to(admin_user).exists()
    monkeypatch.setattr(querysets, "_scope", None)
    for model in (Force, Inspection, SampledCase):
        assert not model.objects.visible_to(admin_user).exists()


def test_every_audit_model_declares_how_it_is_scoped():
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label in {"forces", "inspections", "compliance"} and not (
            model.__name__.startswith("Historical")
        ):
            assert isinstance(model.objects.all(), ScopedQuerySet), model
            assert model.access_level in {"reference", "figures", "casework"}, model
