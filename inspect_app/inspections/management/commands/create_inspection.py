from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import transaction

from forces.lookup import UnknownForce, force_by_code_or_name
from inspect_app.inspections import setup
from inspect_app.inspections.models import Inspection, Programme


class Command(BaseCommand):
    help = "Create an inspection of one force within a programme (the programme is created if new)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="short name used in URLs and commands, e.g. essex-2014")
        parser.add_argument("--force", required=True, help="ONS code of the force, e.g. E23000028")
        parser.add_argument("--programme", required=True, help="slug of the programme")
        parser.add_argument(
            "--time-limit-hours",
            type=int,
            default=24,
            help="hours allowed to record a crime (72 under the 2014 rules)",
        )

    def handle(self, slug, force, programme, time_limit_hours, **options):
        for label, value in (("inspection slug", slug), ("programme slug", programme)):
            try:
                validate_slug(value)
            except ValidationError:
                raise CommandError(
                    f"{label} {value!r} may only hold letters, digits, hyphens and underscores"
                ) from None
        if time_limit_hours <= 0:
            raise CommandError("--time-limit-hours must be a positive number of hours")
        try:
            force_obj = force_by_code_or_name(force)
        except UnknownForce as error:
            raise CommandError(str(error)) from None
        if Inspection.objects.filter(slug=slug).exists():
            raise CommandError(f"an inspection with slug {slug!r} already exists")

        # The set-up pages' own path (inspections.setup): the same checks, and an audit record.
        try:
            with transaction.atomic():
                programme_obj = Programme.objects.filter(slug=programme).first()
                programme_created = programme_obj is None
                if programme_created:
                    programme_obj = setup.create_programme(
                        name=programme.replace("-", " ").capitalize(), slug=programme
                    )
                if programme_obj.inspections.filter(force=force_obj).exists():
                    raise CommandError(f"{force_obj} already has an inspection in {programme_obj}")
                setup.create_inspection(
                    slug=slug,
                    programme=programme_obj,
                    force=force_obj,
                    recording_time_limit_hours=time_limit_hours,
                )
        except ValidationError as refusal:
            raise CommandError(" ".join(refusal.messages)) from None
        if programme_created:
            self.stdout.write(f"created programme {programme}")
        self.stdout.write(f"created inspection {slug} of {force_obj} ({force_obj.code})")
