"""``manage.py audit_log``: the audit log as JSON lines, oldest first, for reading or handing
to whoever checks the service's lawfulness.

Bad input (an unknown action, a time that is not ISO 8601, a missing ``--format``) is
refused in one line on standard error with exit status 2, never a traceback.
"""

import argparse
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from inspect_app.accounts.auditlog import as_line, chronological, parse_time
from inspect_app.accounts.models import AuditAction, AuditEvent

USAGE_ERROR = 2


def _time(text):
    try:
        return parse_time(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _action(text):
    if text not in AuditAction.values:
        raise argparse.ArgumentTypeError(
            f"unknown action {text[:40]!r}: one of {', '.join(AuditAction.values)}"
        )
    return text


class Command(BaseCommand):
    help = (
        "Print the audit log, one JSON object a line (at, actor, action, object_type, "
        "object_id, detail), oldest first, narrowed by time, person and action."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        # argparse's own refusal prints the whole usage first: one line says it better.
        def refuse(message):
            sys.stderr.write(f"audit_log: {message}\n")
            sys.exit(USAGE_ERROR)

        parser.error = refuse
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            type=_time,
            metavar="ISO",
            help="entries at or after this ISO 8601 time; without an offset, UK time",
        )
        parser.add_argument("--actor", metavar="USERNAME", help="entries by this username")
        parser.add_argument("--action", type=_action, metavar="A", help="entries of this action")
        parser.add_argument(
            "--format", required=True, choices=("jsonl",), dest="output", help="jsonl"
        )

    def handle(self, since=None, actor=None, action=None, output="jsonl", **options):
        if isinstance(since, str):  # given to call_command as a keyword, unparsed
            try:
                since = parse_time(since)
            except ValueError as error:
                raise CommandError(str(error), returncode=USAGE_ERROR) from None
        events = AuditEvent.objects.all()
        if since is not None:
            events = events.filter(occurred_at__gte=since)
        if actor:
            events = events.filter(actor_username=actor)
        if action:
            events = events.filter(action=action)
        for event in chronological(events).iterator(chunk_size=2000):
            self.stdout.write(json.dumps(as_line(event), ensure_ascii=False, default=str))
