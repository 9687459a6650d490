"""An extract in a few lines, for the sampling tests."""

from inspect_app.sampling import extracts

HEADER = "reference,record_type,reported_at,offence_group,route,summary\n"


def small_extract(inspection, tmp_path, incidents=80, no_crimes=20):
    """``incidents`` incident records I001… and ``no_crimes`` no-crime records N001… (VAP)."""
    lines = [HEADER]
    lines += [
        f"I{number:03d},incident,2025-03-{1 + number % 28:02d} 10:00,,control room,story {number}\n"
        for number in range(1, incidents + 1)
    ]
    lines += [
        f"N{number:03d},no_crime,2025-04-{1 + number % 28:02d} 09:00,VAP,front desk,\n"
        for number in range(1, no_crimes + 1)
    ]
    path = tmp_path / "extract.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return extracts.import_extract(path, inspection, filename="extract.csv").extract
