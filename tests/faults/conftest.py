import contextlib
import os
import shutil

import pytest

from tests.faults.services import ThrowawayPostgres, ThrowawayRedis, available, throwaway_folder

ON_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    # On CI a missing binary fails the fault tests rather than skipping them.
    if available() or ON_CI:
        return
    for item in items:
        if "tests/faults" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL's initdb and redis-server"))


@pytest.fixture
def throwaway_postgres():
    folder = throwaway_folder()
    server = ThrowawayPostgres(folder).start()
    yield server
    with contextlib.suppress(Exception):  # a test may have stopped it already
        server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def throwaway_redis():
    folder = throwaway_folder()
    server = ThrowawayRedis(folder).start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)
