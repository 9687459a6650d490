"""Strata in people's words: "No-crime decisions", not ``no_crime``.

A stratum's label (``no_crime``, ``incident · VAP``) is what the commands, the
JSON and the listing use (interfaces.md); pages show its name, made from its
key: record types as the service names them, offence groups by their names.
"""

from forces.models import OffenceGroup
from inspect_app.inspections.decisions import RecordType
from inspect_app.sampling.planning import NO_VALUE

#: A stratum holds many records of one type: its name is the plural of the type's label.
RECORD_TYPE_NAMES = {
    RecordType.INCIDENT: "Incidents",
    RecordType.OTHER_SYSTEM: "Records from other systems",
    RecordType.NO_CRIME: "No-crime decisions",
    RecordType.OOCD: "Out-of-court disposals",
}
FIELD_NAMES = {
    "record_type": "record type",
    "offence_group": "offence group",
    "route": "route",
}
#: What ``planning.NO_VALUE`` means for each field.
NO_VALUE_NAMES = {
    "record_type": "No record type",
    "offence_group": "No offence group",
    "route": "No route given",
}


def offence_group_names() -> dict[str, str]:
    return dict(OffenceGroup.objects.values_list("code", "name"))


def value_name(field: str, value, groups: dict[str, str]) -> str:
    if value in (None, "", NO_VALUE):
        return NO_VALUE_NAMES.get(field, NO_VALUE)
    text = str(value)
    if field == "record_type":
        return RECORD_TYPE_NAMES.get(text, text.replace("_", " ").capitalize())
    if field == "offence_group":
        return groups.get(text, text)
    if field == "route":
        return f"Route: {text}"
    return text


def stratum_name(key: dict, groups: dict[str, str] | None = None) -> str:
    """The stratum in words, e.g. "Incidents · Violence against the person"."""
    groups = offence_group_names() if groups is None else groups
    return " · ".join(value_name(field, value, groups) for field, value in key.items())


def fields_in_words(fields) -> str:
    """``["record_type", "offence_group"]`` → "record type and offence group"."""
    return " and ".join(FIELD_NAMES.get(field, field) for field in fields)
