"""Keeping stored figures in step with the reviews they are counted from.

Any change to a review (or to a batch, which can be withdrawn) asks for its
programme's figures to be recomputed; ``tasks.request_recompute`` makes a
burst of changes cost one recompute.
"""

from django.db.models.signals import post_delete, post_save

from inspect_app.compliance.tasks import request_recompute
from inspect_app.inspections.models import CaseReview, Inspection, SampleBatch, SampledCase


def programme_of_case(case_id):
    return (
        SampledCase.objects.filter(pk=case_id)
        .values_list("inspection__programme_id", flat=True)
        .first()
    )


def review_changed(sender, instance, **kwargs):
    request_recompute(programme_of_case(instance.case_id))


def batch_changed(sender, instance, created=False, **kwargs):
    if created:
        return  # a batch just uploaded has no cases yet: nothing to count
    # A batch's status decides whether its cases count (a withdrawn one's do not).
    programme_id = (
        Inspection.objects.filter(pk=instance.inspection_id)
        .values_list("programme_id", flat=True)
        .first()
    )
    request_recompute(programme_id)


def connect_receivers():
    post_save.connect(review_changed, sender=CaseReview, dispatch_uid="compliance-review-saved")
    post_delete.connect(review_changed, sender=CaseReview, dispatch_uid="compliance-review-deleted")
    post_save.connect(batch_changed, sender=SampleBatch, dispatch_uid="compliance-batch-saved")
