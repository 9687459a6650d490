import os
import sys
from getpass import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from forces.lookup import UnknownForce, force_by_code_or_name
from inspect_app.accounts import second_factor
from inspect_app.accounts.models import User
from inspect_app.accounts.roles import Role


class Command(BaseCommand):
    help = (
        "Create or update a user with a role. The password comes from NEW_USER_PASSWORD or "
        "standard input, never from an argument. --totp enrols an authenticator app and "
        "prints its otpauth:// URI on a line of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--force", help="ONS code of the force (commissioners only)")
        parser.add_argument("--email", default=None)
        parser.add_argument(
            "--totp",
            action="store_true",
            help="enrol a new authenticator (in place of any other) and print its otpauth:// URI",
        )

    def handle(self, username, role, force, email, totp=False, **options):
        username = username.strip()
        if not username:
            raise CommandError("the username is empty")
        if role == Role.COMMISSIONER and not force:
            raise CommandError("a commissioner needs --force CODE: the force they oversee")
        if role != Role.COMMISSIONER and force:
            raise CommandError("only commissioners are bound to a force: drop --force")
        try:
            force_obj = force_by_code_or_name(force) if force else None
        except UnknownForce as error:
            raise CommandError(str(error)) from None

        user = User.objects.filter(username=username).first()
        password = self.read_password()
        if user is None and not password:
            raise CommandError(
                "no password given: set NEW_USER_PASSWORD or pass it on standard input"
            )
        created = user is None
        user = user or User(username=username)
        user.role, user.force = role, force_obj
        if email is not None:
            user.email = email
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError("password refused: " + " ".join(error.messages)) from None
            user.set_password(password)
        try:
            user.full_clean()
        except ValidationError as error:
            raise CommandError(_one_line(error)) from None
        with transaction.atomic():
            user.save()
            device = second_factor.enrol_from_command_line(user) if totp else None
        what = "created" if created else "updated"
        where = f" for {force_obj}" if force_obj else ""
        self.stdout.write(f"{what} {user.get_role_display().lower()} {username}{where}")
        if device is not None:
            # On a line of its own, so it can be cut out and handed to the person alone.
            self.stdout.write(device.config_url)

    def read_password(self):
        from_environment = os.environ.get("NEW_USER_PASSWORD")
        if from_environment:
            return from_environment
        if sys.stdin is None or sys.stdin.closed:
            return ""
        if sys.stdin.isatty():
            return getpass("Password: ")
        return sys.stdin.readline().rstrip("\r\n")


def _one_line(error):
    return "; ".join(
        f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
        for field, messages in error.message_dict.items()
    )
