"""Running ``manage.py`` commands in-process, as a person at a terminal would see them."""

import io
import sys
from unittest.mock import patch

from django.core.management import ManagementUtility
from django.core.management import base as management_base


def run_command(*argv, stdin=""):
    """Run ``manage.py ARGV``; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr, sys.stdin = out, err, io.StringIO(stdin)
    try:
        # A command closes every connection when it ends, which would close
        # the test's own transaction: keep it open.
        with patch.object(management_base.connections, "close_all"):
            ManagementUtility(["manage.py", *argv]).execute()
        status = 0
    except SystemExit as exit_:
        status = exit_.code or 0
    finally:
        sys.stdout, sys.stderr, sys.stdin = old
    return status, out.getvalue(), err.getvalue()
