"""Keeping stored figures in step with the reviews they are counted from.

Any change to a review (or to a batch, which can be withdrawn, or to a case
record corrected in the admin) asks for its programme's figures to be
recomputed; ``tasks.request_recompute`` makes a burst of changes cost one
recompute.
"""

from django.db.models.signals import post_delete, post_save

from inspect_app.inspections.models import CaseReview, Inspection, SampleBatch, SampledCase


def request_recompute(programme_id):
    """``tasks.request_recompute``, imported at the first change rather than when Django starts.

    The tasks module brings Celery and the Redis client with it; receivers are
    connected in every process, but most commands never change a review.
    """
    from inspect_app.compliance import tasks

    tasks.request_recompute(programme_id)


def programme_of_case(case_id):
    return (
        SampledCase.objects.filter(pk=case_id)
        .values_list("inspection__programme_id", flat=True)
        .first()
    )


def review_changed(sender, instance, **kwargs):
    request_recompute(programme_of_case(instance.case_id))


def programme_of_inspection(inspection_id):
    return (
        Inspection.objects.filter(pk=inspection_id).values_list("programme_id", flat=True).first()
    )


def batch_changed(sender, instance, created=False, **kwargs):
    if created:
        return  # a batch just uploaded has no cases yet: nothing to count
    # A batch's status decides whether its cases count (a withdrawn one's do not).
    request_recompute(programme_of_inspection(instance.inspection_id))


def case_changed(sender, instance, created=False, **kwargs):
    if created:
        return  # a new case has no review yet: nothing to count
    # A record corrected in the admin (its offence group, its type) moves the
    # figures by group. Imports and assignments write without signals.
    request_recompute(programme_of_inspection(instance.inspection_id))


def connect_receivers():
    post_save.connect(review_changed, sender=CaseReview, dispatch_uid="compliance-review-saved")
    post_delete.connect(review_changed, sender=CaseReview, dispatch_uid="compliance-review-deleted")
    post_save.connect(batch_changed, sender=SampleBatch, dispatch_uid="compliance-batch-saved")
    post_save.connect(case_changed, sender=SampledCase, dispatch_uid="compliance-case-saved")
