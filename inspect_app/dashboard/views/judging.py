"""What an inspection's judgement says, read once for its page and its downloads.

Staff read it live, from the stored figures, judged against the programme and the range
of forces. Everyone else who may read it (a commissioner) reads their force's latest
published version: the figures, verdicts, funnel places and grade frozen with it, small
counts suppressed, the change since the force's previous published version from the two
versions' frozen counts, and the trend from published versions only. Nothing a
commissioner reads moves while the inspection is reopened for a correction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspect_app.accounts import access
from inspect_app.compliance import by_design, figures
from inspect_app.compliance.models import Metric, Scope
from inspect_app.core import judgement
from inspect_app.dashboard.charts.funnel import position_words
from inspect_app.inspections.models import Inspection
from inspect_app.judgement.comparison import (
    Change,
    changes_between,
    inspection_counts,
    previous_inspection,
)
from inspect_app.judgement.grading import Grade, current_bands, grade_of
from inspect_app.judgement.models import OutlierSide
from inspect_app.judgement.outliers import confirmed_alarms
from inspect_app.judgement.rules import like_for_like
from inspect_app.judgement.targets import programme_targets
from inspect_app.publication import as_published, reading
from inspect_app.publication.suppression import suppressed_text

CONFIDENCE = 0.95
METHOD = "wilson"


@dataclass
class FigureJudgement:
    """One figure of the inspection, judged against the programme."""

    label: str
    metric: str
    numerator: int | None
    denominator: int | None
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool = False
    target: float | None = None
    target_name: str = ""
    versus: str = ""
    funnel_level: str = ""
    funnel_side: str | None = None
    lowest: float = 0.0
    highest: float = 1.0
    #: The grade published with the recording rate (the live grade is worked out apart).
    grade: Grade | None = None
    #: The k of n it is judged at: for a figure drawn by a plan, its weighted rate at its
    #: effective sample size (``by_design.worth``); else its counts.
    worth: tuple[float, float] | None = None

    @property
    def funnel(self) -> str:
        """Its place in the funnel in words ('Alert: below the 95% limits')."""
        return position_words(self.funnel_level, self.funnel_side) if self.funnel_level else ""


@dataclass(frozen=True)
class NamedAlarm:
    """A confirmed alarm the judgement names: which figure, which side, since when."""

    label: str
    side: str
    confirmed_on: object = None


@dataclass
class JudgementReading:
    """Everything the judgement page and its downloads show of one inspection."""

    inspection: Inspection
    #: The published version read; None for the live figures (staff).
    version: object
    judged: list[FigureJudgement]
    grade: Grade | None
    #: Why there is no grade although the programme has bands ("" when there is one).
    grade_withheld: str
    bands: list
    previous: Inspection | None
    changes: list[Change]
    like_for_like: bool
    trend: list[dict]
    alarms: list[NamedAlarm]
    #: Judged against every force: the programme's rate, the range, the spine chart.
    against_all: bool = False
    previous_version: object = None
    changes_withheld: dict = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.version is None

    @property
    def shows_verdicts(self) -> bool:
        return any(item.versus for item in self.judged)


def read(user, inspection) -> JudgementReading | None:
    """The judgement ``user`` reads: live for staff, else the force's latest published
    version (None when there is none ``user`` may read)."""
    if access.reads_live_figures(user):
        return _live(user, inspection)
    version = reading.versions_of(user, inspection).last()
    if version is None:
        return None
    return _published(user, inspection, version)


# --- live, for staff --------------------------------------------------------------------------


def _live(user, inspection) -> JudgementReading:
    against_all = access.judges_against_every_force(user)
    own = _own_figures(user, inspection)
    judged = _against_programme(user, inspection, own) if against_all else list(own.values())
    recording = own.get(Metric.RECORDING_RATE)
    bands = current_bands(inspection.programme)
    grade = None
    if recording is not None:
        grade = grade_of(*recording.worth, recording.ci_low, recording.ci_high, bands)
    inspections = Inspection.objects.visible_to(user)
    previous = previous_inspection(inspection, inspections)
    changes, same_rules = [], True
    if previous is not None:
        same_rules = like_for_like(previous.programme, inspection.programme)
        changes = changes_between(
            inspection_counts(previous), inspection_counts(inspection), same_rules, CONFIDENCE
        )
    return JudgementReading(
        inspection=inspection,
        version=None,
        judged=judged,
        grade=grade,
        grade_withheld="",
        bands=bands,
        previous=previous,
        changes=changes,
        like_for_like=same_rules,
        trend=_live_trend(user, inspection, inspections, against_all),
        alarms=[
            NamedAlarm(case.get_metric_display(), case.get_side_display(), case.outcome_at)
            for case in confirmed_alarms(inspection)
        ],
        against_all=against_all,
    )


def _own_figures(user, inspection) -> dict[str, FigureJudgement]:
    stored = figures.stored_figures(user, inspection=inspection).filter(scope=Scope.INSPECTION)
    own = {}
    for shown in figures.present(list(stored), METHOD, CONFIDENCE):
        if shown.available:
            figure = shown.figure
            own[figure.metric] = FigureJudgement(
                label=figure.get_metric_display(),
                metric=figure.metric,
                numerator=figure.numerator,
                denominator=figure.denominator,
                rate=shown.rate,
                ci_low=shown.ci_low,
                ci_high=shown.ci_high,
                worth=by_design.worth(figure),
            )
    return {metric: own[metric] for metric in figures.METRICS if metric in own}


def _against_programme(user, inspection, own) -> list[FigureJudgement]:
    targets = programme_targets(inspection.programme)
    spread = {}
    for figure in figures.stored_figures(user, programme=inspection.programme).filter(
        scope=Scope.INSPECTION
    ):
        if figure.denominator:
            met, cases = by_design.worth(figure)
            spread.setdefault(figure.metric, []).append(met / cases)
    judged = []
    for metric, item in own.items():
        target = targets.get(metric)
        if target is not None:
            item.target, item.target_name = target.rate, target.name
            item.versus = judgement.versus(target.rate, item.ci_low, item.ci_high)
            level, side = judgement.funnel_position(*item.worth, target.rate)
            item.funnel_level, item.funnel_side = level, side
            item.lowest, item.highest = min(spread[metric]), max(spread[metric])
        judged.append(item)
    return judged


def _live_trend(user, inspection, inspections, against_all) -> list[dict]:
    """The recording rate in every programme the force has been in, oldest first."""
    rows = []
    chain = inspections.filter(force=inspection.force).select_related("programme")
    for other in sorted(chain, key=_programme_order):
        figure = _own_figures(user, other).get(Metric.RECORDING_RATE)
        if figure is None:
            continue
        target = programme_targets(other.programme).get(Metric.RECORDING_RATE)
        grade = grade_of(
            *figure.worth,
            figure.ci_low,
            figure.ci_high,
            current_bands(other.programme),
        )
        rows.append(
            {
                "inspection": other,
                "figure": figure,
                "versus": judgement.versus(target.rate, figure.ci_low, figure.ci_high)
                if against_all and target
                else "",
                "grade": grade,
                "current": other.pk == inspection.pk,
            }
        )
    return rows


def _programme_order(inspection):
    return (inspection.programme.year or 9999, inspection.programme.pk)


# --- published, for commissioners -------------------------------------------------------------


def _published(user, inspection, version) -> JudgementReading:
    own = _published_figures(reading.published_rows(version), version)
    recording_row = own.get(Metric.RECORDING_RATE)
    grade, grade_withheld = _published_grade(recording_row)
    previous_version = reading.previous_published(version)
    previous = previous_version.inspection if previous_version else None
    changes, same_rules, changes_withheld = [], True, {}
    if previous_version is not None:
        same_rules = like_for_like(previous.programme, inspection.programme)
        before = _published_figures(reading.published_rows(previous_version), previous_version)
        withheld = {
            metric: f"Not compared: {suppressed_text()} in one of the two"
            for metric in set(before) | set(own)
            if (metric in before and before[metric].suppressed)
            or (metric in own and own[metric].suppressed)
        }
        changes = changes_between(
            _counts(before), _counts(own), same_rules, CONFIDENCE, withheld=withheld
        )
        changes_withheld = withheld
    return JudgementReading(
        inspection=inspection,
        version=version,
        judged=list(own.values()),
        grade=grade,
        grade_withheld=grade_withheld,
        bands=[],
        previous=previous,
        previous_version=previous_version,
        changes=changes,
        changes_withheld=changes_withheld,
        like_for_like=same_rules,
        trend=_published_trend(user, inspection),
        alarms=[
            NamedAlarm(Metric(alarm["metric"]).label, OutlierSide(alarm["side"]).label)
            for alarm in version.named_alarms
        ],
    )


def _published_figures(rows, version) -> dict[str, FigureJudgement]:
    """metric → the version's figure of the inspection as a whole, as published."""
    own = {}
    for row in rows:
        if row["scope"] != Scope.INSPECTION:
            continue
        suppressed = bool(row.get("suppressed"))
        own[row["metric"]] = FigureJudgement(
            label=Metric(row["metric"]).label,
            metric=row["metric"],
            numerator=row["numerator"],
            denominator=row["denominator"],
            rate=row["rate"],
            ci_low=row["ci_low"],
            ci_high=row["ci_high"],
            suppressed=suppressed,
            versus=row.get("versus_programme") or "",
            funnel_level=row.get("funnel") or "",
            funnel_side=row.get("funnel_side") or None,
            grade=Grade(row["grade"], row["grade_certainty"], list(row["grades_possible"] or []))
            if row.get("grade")
            else None,
            worth=None
            if suppressed
            else as_published.published_worth(row, version.method, version.confidence),
        )
    return {metric: own[metric] for metric in figures.METRICS if metric in own}


def _published_grade(recording) -> tuple[Grade | None, str]:
    if recording is None:
        return None, ""
    if recording.suppressed:
        return None, f"No grade is published: {suppressed_text()}."
    return recording.grade, ""


def _counts(own) -> dict[str, tuple[float, float]]:
    return {metric: item.worth for metric, item in own.items() if not item.suppressed}


def _published_trend(user, inspection) -> list[dict]:
    """The recording rate as published in every programme the force has a version of."""
    chain = Inspection.objects.visible_to(user).filter(force=inspection.force)
    latest = reading.latest_versions(user, chain)
    rows = []
    for version in sorted(latest.values(), key=lambda each: _programme_order(each.inspection)):
        figure = _published_figures(reading.published_rows(version), version).get(
            Metric.RECORDING_RATE
        )
        if figure is None:
            continue
        grade, _ = _published_grade(figure)
        rows.append(
            {
                "inspection": version.inspection,
                "version": version,
                "figure": figure,
                "versus": figure.versus,
                "grade": grade,
                "current": version.inspection_id == inspection.pk,
            }
        )
    return rows
