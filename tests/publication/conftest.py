"""A signed-off inspection with figures, ready to publish."""

import pytest
from django.utils import timezone

from inspect_app.inspections.models import InspectionStatus
from tests.compliance.factories import RECORDED, UNRECORDED, many_reviewed_cases


def sign_off(inspection, user):
    inspection.status = InspectionStatus.SIGNED_OFF
    inspection.signed_off_by, inspection.signed_off_at = user, timezone.now()
    inspection.save()


@pytest.fixture
def signed_off_a(inspection_a, lead_user):
    return signed_off_sample(inspection_a, lead_user)


def signed_off_sample(inspection_a, lead_user):
    """Essex: 110 of 120 recorded (VAP 100/108, ROB 6/7, BUR 4/5), signed off."""
    many_reviewed_cases(inspection_a, 100, offence_group="VAP", **RECORDED)
    many_reviewed_cases(inspection_a, 8, offence_group="VAP", **UNRECORDED)
    many_reviewed_cases(inspection_a, 6, offence_group="ROB", **RECORDED)
    many_reviewed_cases(inspection_a, 1, offence_group="ROB", **UNRECORDED)
    many_reviewed_cases(inspection_a, 4, offence_group="BUR", **RECORDED)
    many_reviewed_cases(inspection_a, 1, offence_group="BUR", **UNRECORDED)
    sign_off(inspection_a, lead_user)
    return inspection_a
