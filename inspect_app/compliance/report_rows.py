"""Presented figures as the rows of ``compliance_report``: one shape for every output.

The command, the published versions, their CSV downloads, the API and the force report
all write these rows with these field names (interfaces.md), so a figure reads the same
wherever it is taken from.
"""

import csv

from inspect_app.compliance import events, figures
from inspect_app.compliance.models import Metric, Scope

DECIMALS = 5
#: The programme's estimate of crimes a year that went unrecorded, with its interval.
UNRECORDED_KEYS = ("estimated_unrecorded", "estimated_unrecorded_low", "estimated_unrecorded_high")
#: What judgement adds to an inspection's rows (``events.report_made``).
JUDGED_KEYS = (
    "versus_programme",
    "funnel",
    "funnel_side",
    "grade",
    "grade_certainty",
    "grades_possible",
)
COLUMNS = (
    "scope",
    "inspection",
    "force",
    "region",
    "offence_group",
    "metric",
    "numerator",
    "denominator",
    "rate",
    "ci_low",
    "ci_high",
    "reliable",
    "design",
    "unweighted_rate",
    "weighted",
    *UNRECORDED_KEYS,
    *JUDGED_KEYS,
)


def rounded(value):
    return None if value is None else round(value, DECIMALS)


def report_row(presented) -> dict:
    """One figure as interfaces.md shows it; a region row names its region (ONS code)."""
    figure = presented.figure
    row = {
        "scope": figure.scope,
        "inspection": figure.inspection.slug if figure.inspection_id else None,
        "force": figure.force.code if figure.force_id else None,
    }
    if figure.scope == Scope.REGION:
        row["region"] = figure.region.code
    row.update(
        offence_group=figure.offence_group.code if figure.offence_group_id else None,
        metric=figure.metric,
        numerator=figure.numerator,
        denominator=figure.denominator,
        rate=rounded(presented.rate),
        ci_low=rounded(presented.ci_low),
        ci_high=rounded(presented.ci_high),
        reliable=presented.reliable,
        design=figure.design,
    )
    if figure.design == figure.Design.STRATIFIED:
        # Weighted by the design; the plain k / n of the same cases beside it.
        row["unweighted_rate"] = rounded(figure.numerator / figure.denominator)
    if figure.scope == Scope.PROGRAMME:
        row["weighted"] = figure.weighted
        if figure.metric == Metric.RECORDING_RATE and figure.volume_total:
            estimate = presented.estimated_unrecorded or (None, None, None)
            for key, value in zip(UNRECORDED_KEYS, estimate, strict=True):
                value = figures.finite_or_none(value)
                row[key] = None if value is None else round(value)
    return row


def report_rows(presented, on_absent=None) -> list[dict]:
    """The rows of the figures that have a rate; ``on_absent(presented)`` hears of the rest."""
    rows = []
    for each in presented:
        if each.available:
            rows.append(report_row(each))
        elif on_absent is not None:
            on_absent(each)
    return rows


def report_document(presented, *, programme, method, confidence, on_absent=None) -> dict:
    """The document ``compliance_report`` prints and the API answers with: the rows of
    every figure with a rate, with the fields the layers above compliance add to them
    (``events.report_made``: judgement's verdicts, funnel and grades)."""
    rows, pairs = [], []
    for each in presented:
        if each.available:
            row = report_row(each)
            rows.append(row)
            pairs.append((row, each))
        elif on_absent is not None:
            on_absent(each)
    document = {"method": method, "confidence": confidence, "rows": rows}
    events.report_made.send(
        sender=report_document, programme=programme, document=document, presented=pairs
    )
    return document


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return value


def write_csv(rows, stream, columns=COLUMNS):
    """The rows as CSV, one column per field (empty where a row has no value)."""
    writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: csv_value(row.get(column)) for column in columns})


# --- published versions, read through the part that publishes them ---------------------------
# Publication is built on compliance, not the other way round: it tells compliance how to
# read a published version when it is ready (``publication.apps``), and the command asks.

_published_reader = None


class NotPublished(Exception):
    """The inspection has never been published, or has no such version: said in words."""


def install_published_reader(reader):
    """``reader(inspection_slug, version_number or None) -> document`` for ``--published``."""
    global _published_reader
    _published_reader = reader


def published_document(inspection_slug, version_number=None) -> dict:
    """The published version's document (rows suppressed as published); NotPublished if none."""
    if _published_reader is None:
        raise NotPublished("publication is not installed")
    return _published_reader(inspection_slug, version_number)
