"""The force report: one published version as a PDF on A4, for a police and crime panel.

Pure Python (reportlab for the pages, matplotlib's Agg backend for the charts): no
system package is needed. It holds exactly what the version's page shows, with the
same suppression: a title page, the six figures with their intervals and reliability
in words, each figure by offence group with its chart, the change since the force's
last published inspection where there is one, and how the figures were made.
"""

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from inspect_app.compliance.models import Metric
from inspect_app.publication import charts, presenting, reading
from inspect_app.publication.suppression import minimum_count

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 1), (1, -1), "RIGHT"),
    ]
)


def _styles():
    sheet = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontSize=24, leading=30),
        "subtitle": ParagraphStyle("subtitle", parent=sheet["Normal"], fontSize=14, leading=20),
        "h1": sheet["Heading1"],
        "h2": sheet["Heading2"],
        "body": ParagraphStyle("body", parent=sheet["BodyText"], fontSize=10, leading=14),
        "cell": ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=8.5, leading=10.5),
    }


def _image(png, width=WIDTH):
    reader = io.BytesIO(png)
    image = Image(reader)
    ratio = image.imageHeight / image.imageWidth
    image.drawWidth, image.drawHeight = width, width * ratio
    return image


def _figure_table(shown, name_label, styles):
    cell = styles["cell"]
    data = [[name_label, "Rate", "95% interval", "Cases", "Reliability"]]
    for figure in shown:
        data.append(
            [
                Paragraph(escape(figure.name), cell),
                Paragraph(figure.rate_text, cell),
                figure.interval_text,
                figure.counts_text,
                Paragraph(figure.reliability_text, cell),
            ]
        )
    table = Table(
        data, colWidths=[0.26 * WIDTH, 0.2 * WIDTH, 0.17 * WIDTH, 0.15 * WIDTH, 0.22 * WIDTH]
    )
    table.setStyle(TABLE_STYLE)
    return table


def _changes_table(changes, styles):
    cell = styles["cell"]
    data = [["Figure", "Then", "Now", "Change", "Interval", "Verdict"]]
    for change in changes:
        data.append(
            [
                Paragraph(escape(change.metric_label), cell),
                Paragraph(change.before, cell),
                Paragraph(change.now, cell),
                Paragraph(escape(change.text), cell),
                Paragraph(escape(change.interval_text), cell),
                Paragraph(escape(change.verdict_words), cell),
            ]
        )
    widths = [0.2, 0.12, 0.12, 0.14, 0.16, 0.26]
    table = Table(data, colWidths=[share * WIDTH for share in widths])
    table.setStyle(TABLE_STYLE)
    return table


def force_report_pdf(version, progress=None) -> bytes:
    """The PDF of ``version``; ``progress(done, total)`` hears how far it has gone."""
    progress = progress or (lambda done, total: None)
    styles = _styles()
    inspection = version.inspection
    rows = reading.published_rows(version)
    # The previous inspection as anyone reading this report may: published versions only.
    previous = reading.previous_published(version)
    previous_rows = reading.published_rows(previous) if previous else []
    changes = presenting.changes_since(version, rows, previous, previous_rows)
    groups = presenting.by_offence_group(rows)
    total = 2 + len(groups)
    story = [
        Spacer(1, 50 * mm),
        Paragraph(escape(inspection.force.name), styles["title"]),
        Paragraph(
            f"Crime-recording inspection: {escape(inspection.programme.name)}", styles["subtitle"]
        ),
        Spacer(1, 10 * mm),
        Paragraph(
            f"Published figures, version {version.number}, {version.published_at:%d %B %Y}.",
            styles["subtitle"],
        ),
    ]
    if version.note:
        story.append(
            Paragraph(
                f"Corrected on {version.published_at:%d %B %Y}: {escape(version.note)}",
                styles["body"],
            )
        )
    story += [
        Spacer(1, 20 * mm),
        Paragraph(
            "Every figure is an estimate from a sample and is shown with its 95% confidence "
            f"interval. Figures judged on fewer than {minimum_count()} cases are suppressed "
            "so that no figure can point at a victim.",
            styles["body"],
        ),
        PageBreak(),
        Paragraph("The six figures", styles["h1"]),
        _figure_table(presenting.cards(rows), "Figure", styles),
        Spacer(1, 5 * mm),
        _image(charts.six_figures_png(rows), width=WIDTH * 0.9),
    ]
    progress(1, total)
    story += _named_alarms(version, styles)
    if changes:
        story.append(Paragraph("Change since the last inspection", styles["h2"]))
        story.append(
            Paragraph(
                f"Against {escape(previous.inspection.programme.name)} "
                f"(version {previous.number}), in percentage points, with the "
                f"{version.confidence:.0%} interval of the change (Newcombe's hybrid score "
                "interval, from the two versions' counts).",
                styles["body"],
            )
        )
        story.append(_changes_table(changes, styles))
    story.append(PageBreak())
    story.append(Paragraph("By offence group", styles["h1"]))
    for index, (label, metric, members) in enumerate(groups, start=2):
        story.append(Paragraph(label, styles["h2"]))
        story.append(_image(charts.offence_group_png(rows, metric), width=WIDTH * 0.85))
        story.append(_figure_table(members, "Offence group", styles))
        progress(index, total)
    story += [
        PageBreak(),
        Paragraph("How these figures were made", styles["h1"]),
        Paragraph(
            f"Each figure is the share of sampled cases that met the standard (k of n), with a "
            f"{version.method} score interval at {version.confidence:.0%} confidence. A figure "
            f"whose interval is wider than ±{version.reliability_threshold * 100:g} points is "
            "not statistically reliable on its own. The counts come from the review that "
            "counts for each case: the adjudicated one where two inspectors disagreed, "
            "otherwise the first. Cases of a withdrawn batch do not count. The recording "
            f"time limit was {version.recording_time_limit_hours} hours.",
            styles["body"],
        ),
        Paragraph(
            f"Suppression: a figure judged on fewer than {minimum_count()} cases shows no "
            "counts, rate or interval; where a single offence group would be suppressed, the "
            "next smallest is too, so that it cannot be worked out from the force's total. "
            "Charts leave suppressed figures out and say how many.",
            styles["body"],
        ),
        Paragraph(
            f"This is version {version.number}. A published version never changes; a "
            "correction is published as a new version with a note. Counted from "
            f"{version.review_count} reviews (SHA-256 {version.reviews_sha256}) by code "
            f"version {version.code_version}.",
            styles["body"],
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{inspection.force.name}: {inspection.programme.name}, version {version.number}",
        author="Crime-recording inspections",
    )
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    progress(total, total)
    return buffer.getvalue()


def _named_alarms(version, styles) -> list:
    """The confirmed outlier alarms, named: the force was outside the funnel's 99.8% limits
    against the other forces, and after hearing from it the inspectorate confirmed it."""
    named = version.named_alarms
    if not named:
        return []
    story = [Paragraph("Confirmed outliers", styles["h2"])]
    for alarm in named:
        side = "below" if alarm["side"] == "low" else "above"
        text = (
            f"{escape(Metric(alarm['metric']).label)}: {side} the other forces, outside the "
            "funnel's 99.8% limits; confirmed after the force's response."
        )
        if alarm.get("outcome_notes"):
            text += f" {escape(alarm['outcome_notes'])}"
        story.append(Paragraph(text, styles["body"]))
    return story


def _footer(canvas, document):
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.drawString(MARGIN, 10 * mm, document.title)
    canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {document.page}")
    canvas.restoreState()
