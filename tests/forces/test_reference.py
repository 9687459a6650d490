import pytest

from forces.models import Force, OffenceGroup, Region
from forces.reference import load_reference_data

pytestmark = pytest.mark.django_db


def test_migrate_loads_the_43_forces_of_england_and_wales():
    assert Force.objects.count() == 43
    assert Force.objects.filter(code__startswith="W15").count() == 4
    assert Force.objects.get(code="E23000001").name == "Metropolitan Police"
    assert Force.objects.get(code="W15000004").name == "Dyfed-Powys"
    assert Force.objects.get(code="E23000028").name == "Essex"


def test_every_force_sits_in_a_region_and_has_a_volume():
    assert Region.objects.count() == 10
    assert not Force.objects.filter(recorded_crime_volume__isnull=True).exists()
    assert Force.objects.get(name="Cheshire").region.name == "North West"
    assert Force.objects.get(name="Gwent").region.name == "Wales"


def test_rape_is_a_subgroup_of_sexual_offences():
    rape = OffenceGroup.objects.get(code="RAPE")
    assert rape.parent.name == "Sexual offences"
    assert OffenceGroup.objects.filter(parent__isnull=True).count() == 11


def test_loading_again_updates_rather_than_duplicates():
    Force.objects.filter(code="E23000028").update(recorded_crime_volume=1, name="Renamed")
    counts = load_reference_data()
    assert counts == {"regions": 10, "forces": 43, "offence_groups": 12}
    essex = Force.objects.get(code="E23000028")
    assert essex.name == "Essex" and essex.recorded_crime_volume > 1
    assert Force.objects.count() == 43
