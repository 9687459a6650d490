"""What judgement adds to ``compliance_report``: each inspection row against the
programme (``versus_programme``), its place in the funnel and, where the programme has
grade bands, its grade and how certain it is; the bands themselves at the top level."""

from __future__ import annotations

from django.dispatch import receiver

from inspect_app.compliance import by_design
from inspect_app.compliance.events import report_made
from inspect_app.compliance.models import Metric, Scope
from inspect_app.core import judgement
from inspect_app.judgement.grading import bands_document, current_bands, grade_of
from inspect_app.judgement.targets import programme_targets


@receiver(report_made, dispatch_uid="judgement-report-fields")
def add_judgement(sender, programme, document, presented, **kwargs):
    targets = programme_targets(programme)
    bands = current_bands(programme)
    if bands:
        document["grade_bands"] = bands_document(bands)
    for row, shown in presented:
        figure = shown.figure
        if figure.scope != Scope.INSPECTION or not figure.denominator:
            continue
        row.update(judge_figure(figure, shown.ci_low, shown.ci_high, targets, bands))


def judge_figure(figure, ci_low, ci_high, targets, bands) -> dict:
    """versus_programme, funnel and funnel_side (and the grade, on the recording rate).

    ``funnel_side`` (low or high, as interfaces.md gives it for every row) is the side of
    the centre line the rate lies on: for an alert or alarm, the limit it lies beyond.
    A figure drawn by a plan is judged at what it is worth (``by_design.worth``)."""
    fields = {}
    target = targets.get(figure.metric)
    if target is not None:
        fields["versus_programme"] = judgement.versus(target.rate, ci_low, ci_high)
        level, side = judgement.funnel_position(*by_design.worth(figure), target.rate)
        fields["funnel"] = level
        fields["funnel_side"] = side
    if bands and figure.metric == Metric.RECORDING_RATE:
        grade = grade_of(*by_design.worth(figure), ci_low, ci_high, bands)
        fields.update(
            grade=grade.grade,
            grade_certainty=round(grade.certainty, 5),
            grades_possible=grade.possible,
        )
    return fields
