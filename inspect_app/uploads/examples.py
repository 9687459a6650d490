"""The blank template and the worked example offered on the upload page.

Both are built from the column list in :mod:`columns`, so they cannot fall
out of step with what the import accepts.
"""

import io

from inspect_app.accounts import access
from inspect_app.core.spreadsheet import csv_text, neutralised_row
from inspect_app.inspections.decisions import DECISION_FIELDS
from inspect_app.uploads.columns import COLUMN_NAMES


def template_csv() -> str:
    return csv_text(COLUMN_NAMES, [])


def template_xlsx() -> bytes:
    import openpyxl  # only this download needs it: not loaded with every page

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Batch")
    sheet.append(neutralised_row(COLUMN_NAMES))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def example_reviewer(inspection):
    """Someone who may review this inspection's cases: an assigned inspector, or a lead."""
    from inspect_app.accounts.models import User

    on_team = inspection.inspectors.filter(is_active=True).exclude(access.leads_q())
    return (
        on_team.order_by("pk").first()
        or User.objects.filter(access.leads_q()).order_by("pk").first()
    )


def example_rows(inspection):
    """One row of each record type, in the ways a force's export might write them.

    The decisions are filled in (as from a completed audit workbook) when
    someone may review the inspection; otherwise they are left blank.
    """
    force = inspection.force
    reviewer = example_reviewer(inspection)
    name = reviewer.username if reviewer else ""

    def decisions(**answers):
        if not reviewer:
            return {field: "" for field in DECISION_FIELDS} | {"reviewer": "", "review_notes": ""}
        return {field: answers.get(field, "") for field in DECISION_FIELDS} | {
            "reviewer": name,
            "review_notes": answers.get("notes", ""),
        }

    prefix = f"EXAMPLE-{inspection.slug}"[:50]
    rows = [
        {
            "reference": f"{prefix}-001",
            "record_type": "incident",
            "reported_at": "2014-03-01 14:30",
            "offence_group": "VAP",
            "summary": 'Caller reports a fight outside a pub; "no injuries", she says.',
            "force": force.code,
            **decisions(
                should_record="yes",
                was_recorded="yes",
                correctly_classified="yes",
                on_time="no",
                notes="Recorded four days after the call.",
            ),
        },
        {
            "reference": f"{prefix}-002",
            "record_type": "other_system",
            "reported_at": "02/03/2014 09:15",
            "offence_group": "Sexual offences",
            "summary": "Safeguarding referral from a school.",
            "force": force.name,
            **decisions(should_record="y", was_recorded="n"),
        },
        {
            "reference": f"{prefix}-003",
            "record_type": "no_crime",
            "reported_at": "03/03/2014",
            "offence_group": "burglary",
            "summary": "Burglary cancelled: property found at a relative's house.",
            "force": "",
            **decisions(cancellation_correct="yes", victim_informed="no"),
        },
        {
            "reference": f"{prefix}-004",
            "record_type": "oocd",
            "reported_at": "2014-03-04",
            "offence_group": "DRG",
            "summary": "Cannabis warning for possession.",
            "force": "",
            **decisions(disposal_appropriate="true"),
        },
        {
            "reference": f"{prefix}-005",
            "record_type": "incident",
            "reported_at": "2014-03-05T22:05:00",
            "offence_group": "",
            "summary": "Noise complaint; no crime disclosed. Not yet reviewed.",
            "force": "",
            **{field: "" for field in DECISION_FIELDS},
            "reviewer": "",
            "review_notes": "",
        },
    ]
    return [[row[column] for column in COLUMN_NAMES] for row in rows]


def example_csv(inspection) -> str:
    return csv_text(COLUMN_NAMES, example_rows(inspection))
