"""``manage.py load_demo``: reference data, demo users and the 2014 demonstration programme."""

import io
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from inspect_app.accounts import second_factor
from inspect_app.accounts.models import User
from inspect_app.inspections.demo import PROGRAMME_SLUG, load_demo
from inspect_app.inspections.models import Programme


class Command(BaseCommand):
    """Load the demonstration, store its figures, and print the demo log-ins."""

    help = (
        "Load reference data, demo users and the 2014 demonstration programme. Demo passwords "
        "come from DEMO_PASSWORD, or are generated anew and printed, each beside the "
        "otpauth:// URI of the user's new authenticator."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="delete and rebuild the demonstration programme"
        )

    def handle(self, reset, **options):
        # Publication's own command: the demo's published versions go before what they froze.
        if reset:
            call_command("publish_demo", remove=True, stdout=io.StringIO())
        result = load_demo(password=os.environ.get("DEMO_PASSWORD") or None, reset=reset)
        call_command("load_sampling_demo", stdout=io.StringIO())  # the practice extracts
        # The demo's reviews are written in bulk, which sends no signals: store
        # its figures now, so the dashboards have them from the first page.
        # Through the figures' own command, not their code: compliance is built on the
        # inspections, not the other way round. Its report of what it stored is not part
        # of this command's output.
        programme = Programme.objects.get(slug=PROGRAMME_SLUG)
        if result.created or not programme.figures.exists():
            call_command("recompute_figures", programme=programme.slug, stdout=io.StringIO())
        call_command("judgement_demo", stdout=io.StringIO())  # grades, outliers, findings
        call_command("publish_demo", stdout=io.StringIO())  # the 2014 inspections, published
        state = "loaded" if result.created else "already present"
        self.stdout.write(
            f"demo programme {PROGRAMME_SLUG} {state}: {result.inspections} inspections, "
            f"{result.cases} sampled records, {result.reviews} reviews"
        )
        self.stdout.write("demo log-ins (username / password / role / authenticator):")
        users = User.objects.filter(username__in=result.passwords).select_related("force")
        for user in sorted(users, key=lambda u: list(result.passwords).index(u.username)):
            force = f", {user.force}" if user.force else ""
            # A new authenticator each time, as the passwords are new: add the URI to an
            # app (most take it pasted, or as a QR code made from it).
            device = second_factor.enrol_from_command_line(user)
            self.stdout.write(
                f"  {user.username:<13} {result.passwords[user.username]:<18} "
                f"{user.get_role_display()}{force}  {device.config_url}"
            )
