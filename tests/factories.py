"""factory_boy factories for the audit's models. Forces and offence groups are
reference data loaded by migrate, so factories look them up rather than make them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import factory

from forces.models import Force, OffenceGroup
from inspect_app.accounts.models import User
from inspect_app.accounts.roles import Role
from inspect_app.inspections.decisions import RecordType
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    Programme,
    ReviewKind,
    SampledCase,
)

PASSWORD = "correct-horse-battery-staple"


def force(code):
    return Force.objects.get(code=code)


def offence_group(code):
    return OffenceGroup.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.INSPECTOR
    email = factory.LazyAttribute(lambda u: f"{u.username}@inspectorate.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.replace("-", " ").capitalize())
    year = 2014


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    programme = factory.SubFactory(ProgrammeFactory)
    force = factory.LazyFunction(lambda: force("E23000028"))
    slug = factory.LazyAttribute(lambda i: f"{i.force.slug}-{i.programme.slug}")
    recording_time_limit_hours = 72


class SampledCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SampledCase

    inspection = factory.SubFactory(InspectionFactory)
    reference = factory.Sequence(lambda n: f"REF-{n:06d}")
    record_type = RecordType.INCIDENT
    reported_at = datetime(2013, 5, 1, 14, 30, tzinfo=ZoneInfo("Europe/London"))
    offence_group = factory.LazyAttribute(
        lambda c: (
            offence_group("VAP")
            if c.record_type in (RecordType.NO_CRIME, RecordType.OOCD)
            else None
        )
    )
    summary = "Caller reports an assault outside a shop."


class CaseReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseReview

    case = factory.SubFactory(SampledCaseFactory)
    kind = ReviewKind.FIRST
    reviewer = factory.SubFactory(UserFactory)
