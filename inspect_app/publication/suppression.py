"""Small counts suppressed, so that no published figure can point at a victim.

A figure whose denominator is under ``SUPPRESSION_MIN_COUNT`` (default 10) is shown with
no numerator, denominator, rate or interval, and ``"suppressed": true``. Where a single
offence group of an inspection would be suppressed for a figure, the next smallest
group is suppressed too (secondary suppression), so the suppressed count cannot be
worked out as the force's total less the groups shown. Subgroups (Rape within Sexual
offences) are treated the same way among their parent's subgroups.
"""

from collections import defaultdict

from django.conf import settings

from inspect_app.compliance.models import Scope
from inspect_app.compliance.report_rows import JUDGED_KEYS, UNRECORDED_KEYS

HIDDEN_FIELDS = ("numerator", "denominator", "rate", "ci_low", "ci_high")
#: Fields a row carries only sometimes, each telling something of the hidden counts.
SOMETIMES_HIDDEN = (*UNRECORDED_KEYS, "unweighted_rate", *JUDGED_KEYS)
SUPPRESSED_TEXT = "fewer than {count} cases — suppressed"


def minimum_count() -> int:
    return int(getattr(settings, "SUPPRESSION_MIN_COUNT", 10))


def suppressed_text() -> str:
    return SUPPRESSED_TEXT.format(count=minimum_count())


def suppress(rows, parents=None) -> list[dict]:
    """The rows (``compliance_report`` dicts) with small counts suppressed, in order.

    ``parents`` maps an offence group's code to its parent's code (None for a top-level
    group); groups not in it are taken as top level. Each row comes back as a new dict
    with ``"suppressed"`` set.
    """
    parents = parents or {}
    least = minimum_count()
    primary = [row["denominator"] is not None and row["denominator"] < least for row in rows]
    hidden = list(primary)
    # Offence groups that share a total: same inspection, same figure, same parent.
    siblings = defaultdict(list)
    for index, row in enumerate(rows):
        if row.get("scope") == Scope.OFFENCE_GROUP:
            parent = parents.get(row.get("offence_group"))
            siblings[row.get("inspection"), row.get("metric"), parent].append(index)
    for members in siblings.values():
        if sum(hidden[i] for i in members) != 1:
            continue
        shown = [i for i in members if not hidden[i]]
        if shown:
            next_smallest = min(shown, key=lambda i: (rows[i]["denominator"], i))
            hidden[next_smallest] = True
    return [_shown(row, hide) for row, hide in zip(rows, hidden, strict=True)]


def _shown(row, hide):
    shown = dict(row)
    shown["suppressed"] = hide
    if hide:
        for field in (*HIDDEN_FIELDS, "reliable"):
            shown[field] = None
        for field in SOMETIMES_HIDDEN:
            if field in shown:
                shown[field] = None
    return shown
