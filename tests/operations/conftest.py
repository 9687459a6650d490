"""A throwaway PostgreSQL holding a loaded, signed-in database and a backup of it.

The server runs from a temporary folder on a port of its own (as the fault tests'
do), so dumping, restoring and breaking copies never reaches the machine's own
databases.
"""

import contextlib
import itertools
import os
import shutil
from types import SimpleNamespace

import pytest

from tests.faults.services import ThrowawayPostgres, app_environment, throwaway_folder
from tests.operations.backups import create_database, dump, manage, missing_tools, sign_in

ON_CI = os.environ.get("CI", "").lower() == "true"

#: A wrong password tried once before the backup, so the audit log holds a refusal too.
WRONG_PASSWORD = "not-the-demo-passphrase"


def pytest_collection_modifyitems(config, items):
    # A laptop without PostgreSQL's programs skips these; CI must have them, so there
    # the fixture below fails instead, naming what is missing.
    missing = missing_tools()
    if not missing or ON_CI:
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL's {', '.join(missing)} on this machine")
    for item in items:
        if "tests/operations" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def backup():
    """A database migrated, loaded with the demo and signed into, and its ``pg_dump -Fc``.

    Built once per module: loading the demo takes seconds, and every test restores
    the same backup into a database of its own.
    """
    missing = missing_tools()
    if missing:
        pytest.fail(
            f"CI=true but {', '.join(missing)} not found: install postgresql and postgresql-client"
        )
    folder = throwaway_folder()
    server = ThrowawayPostgres(folder).start()
    try:
        source_url = create_database(server.url, "inspect_source")
        env = app_environment(source_url)
        for argv in (("migrate", "--noinput"), ("load_demo",)):
            status, output = manage(env, *argv)
            assert status == 0, output
        # Sign-ins are what the audit log holds from the first minute of use.
        status, output = sign_in(env, "admin", env["DEMO_PASSWORD"])
        assert status == 0, output
        status, output = sign_in(env, "lead", WRONG_PASSWORD)
        assert status == 1, output
        yield SimpleNamespace(
            server=server,
            source_url=source_url,
            env=env,
            path=dump(source_url, folder / "inspect.dump"),
            databases=itertools.count(1),
        )
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fresh_database(backup):
    """The URL of a new, empty database on the backup's server."""
    return create_database(backup.server.url, f"inspect_restored_{next(backup.databases)}")
