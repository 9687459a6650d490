"""Loads the reference data shipped in forces/data into the database.

The CSV files are the single source: regions with their ONS codes, the 43
forces with their ONS police force area codes and annual recorded-crime
volumes, and the Home Office Counting Rules offence groups. Loading is an
upsert keyed on the codes, so it is safe to run on every migrate.
"""

import csv
from pathlib import Path

from django.apps import apps as global_apps
from django.db import transaction
from django.utils.text import slugify

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(filename):
    with open(DATA_DIR / filename, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def load_reference_data(apps=global_apps, using="default"):
    """Create or update regions, forces and offence groups; return how many of each."""
    Region = apps.get_model("forces", "Region")
    Force = apps.get_model("forces", "Force")
    OffenceGroup = apps.get_model("forces", "OffenceGroup")

    regions = {}
    for row in read_rows("regions.csv"):
        regions[row["code"]], _ = Region.objects.using(using).update_or_create(
            code=row["code"], defaults={"name": row["name"]}
        )

    force_rows = read_rows("forces.csv")
    for row in force_rows:
        volume = row["recorded_crime_volume"].strip()
        Force.objects.using(using).update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "slug": slugify(row["name"]),
                "region": regions[row["region"]],
                "recorded_crime_volume": int(volume) if volume else None,
            },
        )

    group_rows = read_rows("offence_groups.csv")
    groups = {}
    # Parents first, so a subgroup can point at its group in the same pass.
    for row in sorted(group_rows, key=lambda r: bool(r["parent"])):
        groups[row["code"]], _ = OffenceGroup.objects.using(using).update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "parent": groups.get(row["parent"]) if row["parent"] else None,
            },
        )
    return {"regions": len(regions), "forces": len(force_rows), "offence_groups": len(groups)}


def load_reference_data_after_migrate(sender, apps=global_apps, using="default", **kwargs):
    """post_migrate receiver: keep the reference tables in step with the shipped files."""
    try:
        apps.get_model("forces", "OffenceGroup")
    except LookupError:  # migrating backwards past the forces app: nothing to fill
        return
    load_reference_data(apps=apps, using=using)
