"""Reviewed samples for the dashboard's tests (shared with the browser tests)."""

from inspect_app.compliance import figures
from inspect_app.inspections.decisions import RecordType
from tests.compliance.factories import RECORDED, UNRECORDED, many_reviewed_cases


def add_sample(inspection, recorded, should_have_been, group="VAP"):
    """``recorded`` of ``should_have_been`` crimes recorded, all in one offence group."""
    many_reviewed_cases(inspection, recorded, offence_group=group, **RECORDED)
    many_reviewed_cases(inspection, should_have_been - recorded, offence_group=group, **UNRECORDED)


def published_2014(programme, essex, hertfordshire):
    """Essex 110 / 120 and Hertfordshire 130 / 181, with rapes among them; figures stored."""
    add_sample(essex, 100, 108)
    add_sample(essex, 10, 12, group="RAPE")
    add_sample(hertfordshire, 120, 168)
    add_sample(hertfordshire, 10, 13, group="RAPE")
    many_reviewed_cases(
        essex,
        5,
        record_type=RecordType.NO_CRIME,
        offence_group="VAP",
        cancellation_correct=True,
        victim_informed=False,
    )
    figures.recompute_programme(programme.pk)
    return programme
