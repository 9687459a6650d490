"""``manage.py assign_inspectors SLUG USERNAME... [--remove]``: the team page, scripted.

Puts inspectors and lead inspectors on an inspection's team (or takes them
off it with ``--remove``), through ``inspections.setup`` like the page. All
or nothing: if any name is refused, nothing changes, each refused name gets
one line on standard error saying why, and the exit status is 1. Someone
already on the team (or, removing, not on it) is left as they are.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from inspect_app.accounts.models import User
from inspect_app.inspections import setup
from inspect_app.inspections.models import Inspection


class Command(BaseCommand):
    help = (
        "Assign inspectors and lead inspectors to an inspection, or remove them (--remove). "
        "Anyone else is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the inspection's slug, e.g. essex-2026")
        parser.add_argument("usernames", nargs="+", metavar="USERNAME", help="who to assign")
        parser.add_argument("--remove", action="store_true", help="take them off the team instead")

    def handle(self, slug, usernames, remove, **options):
        try:
            inspection = Inspection.objects.select_related("force").get(slug=slug)
        except Inspection.DoesNotExist:
            raise CommandError(f"no inspection with slug {slug!r}") from None
        users, reasons = self._users(usernames)
        if not remove:
            # Said now, with the unknown names, so one run lists every refusal.
            reasons.update(
                (user.username, why) for user in users if (why := setup.why_not_assignable(user))
            )
        if reasons:
            self._refuse(reasons)
        try:
            if remove:
                changed = setup.remove_inspectors(inspection, users)
            else:
                changed = setup.assign_inspectors(inspection, users)
        except setup.TeamRefused as refusal:
            self._refuse(refusal.reasons)

        changed_pks = {user.pk for user in changed}
        verb, place = ("removed", "from") if remove else ("assigned", "to")
        if changed:
            names = ", ".join(user.username for user in changed)
            self.stdout.write(f"{verb} {names} {place} {inspection.slug}")
        for user in users:
            if user.pk not in changed_pks:
                state = "not on" if remove else "already on"
                self.stdout.write(f"{user.username} was {state} the team of {inspection.slug}")

    def _users(self, usernames):
        """The users named, in the order given, and a reason for each name that is nobody."""
        found = User.objects.in_bulk(set(usernames), field_name="username")
        users, reasons, seen = [], {}, set()
        for name in usernames:
            if name in seen:
                continue
            seen.add(name)
            if name in found:
                users.append(found[name])
            else:
                reasons[name] = f"there is no user called {name!r}"
        return users, reasons

    def _refuse(self, reasons):
        for why in reasons.values():  # each names its user
            self.stderr.write(why)
        sys.exit(1)
