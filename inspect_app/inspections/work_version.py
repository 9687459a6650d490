"""Moving an inspection's ``work_version`` on whenever its casework changes.

The counts of ``tallies`` are kept under the version, so every change a reader
could see must move it, in the transaction of the change. These receivers do
it for saves and deletes of cases and reviews through the ORM, and for
changes to the team; writes that bypass the signals (conditional updates,
bulk assignment, imports) call ``casework_changed`` themselves.

Kept apart from ``tallies`` so that connecting them when the app is ready
loads the models and nothing else: every command starts that much sooner.
"""

import threading
import weakref

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

from inspect_app.inspections.models import CaseReview, Inspection, SampledCase, casework_changed

_recent = threading.local()


def _first_of_its_delete(origin, inspection_id) -> bool:
    """Whether this is the first row of ``origin`` (one ``QuerySet.delete()``) seen for this
    inspection: a bulk delete sends a signal per row, and one new version is enough."""
    if not isinstance(origin, QuerySet):
        return True
    seen = getattr(_recent, "delete", None)
    if seen is not None and seen[0]() is origin:
        if inspection_id in seen[1]:
            return False
        seen[1].add(inspection_id)
        return True
    _recent.delete = (weakref.ref(origin), {inspection_id})
    return True


def _inspection_of_review(review):
    if CaseReview.case.is_cached(review):
        return review.case.inspection_id
    return (
        SampledCase.objects.filter(pk=review.case_id)
        .values_list("inspection_id", flat=True)
        .first()
    )


def case_saved(sender, instance, **kwargs):
    casework_changed(instance.inspection_id)


def case_deleted(sender, instance, origin=None, **kwargs):
    if _first_of_its_delete(origin, instance.inspection_id):
        casework_changed(instance.inspection_id)


def review_saved(sender, instance, **kwargs):
    casework_changed(_inspection_of_review(instance))


def review_deleted(sender, instance, origin=None, **kwargs):
    deleting_cases = isinstance(origin, SampledCase) or (
        isinstance(origin, QuerySet) and origin.model is SampledCase
    )
    if deleting_cases:
        return  # the cases' own receiver moves the version, without a query per review
    inspection_id = _inspection_of_review(instance)
    if _first_of_its_delete(origin, inspection_id):
        casework_changed(inspection_id)


def team_changed(sender, instance, action, reverse, pk_set, **kwargs):
    # Who is on the team decides who can be given cases: the pages offer them.
    if reverse and action == "pre_clear":  # a person taken off every team: which, ask first
        casework_changed(*instance.assigned_inspections.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        casework_changed(*(pk_set or ()) if reverse else (instance.pk,))


def connect_receivers():
    m2m_changed.connect(
        team_changed, sender=Inspection.inspectors.through, dispatch_uid="tally-team-changed"
    )
    post_save.connect(case_saved, sender=SampledCase, dispatch_uid="tally-case-saved")
    post_delete.connect(case_deleted, sender=SampledCase, dispatch_uid="tally-case-deleted")
    post_save.connect(review_saved, sender=CaseReview, dispatch_uid="tally-review-saved")
    post_delete.connect(review_deleted, sender=CaseReview, dispatch_uid="tally-review-deleted")
