"""Redis goes away: pages keep serving the stored figures from PostgreSQL."""

import re
import time

import pytest

from tests.faults.services import AppServer, app_environment, authenticator_uri, manage


def without_tokens(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


PAGES = ["/inspections/", "/inspections/essex-2014/", "/forces/essex/"]


@pytest.fixture
def app_on_throwaway_services(throwaway_postgres, throwaway_redis, tmp_path):
    env = app_environment(throwaway_postgres.url, throwaway_redis.url)
    manage(env, "migrate", "--noinput")
    demo = manage(env, "load_demo")
    manage(env, "recompute_figures", "--all")
    server = AppServer(env, tmp_path / "gunicorn.log").start()
    server.sign_in("admin", env["DEMO_PASSWORD"], authenticator_uri(demo, "admin"))
    yield server
    server.stop()


def test_pages_still_serve_when_redis_is_down(app_on_throwaway_services, throwaway_redis):
    server = app_on_throwaway_services
    before = {page: server.get(page) for page in PAGES}
    assert all(status == 200 for status, _ in before.values())

    throwaway_redis.stop()

    for page in PAGES:
        status, body = server.get(page)
        assert status == 200, (page, body[:300])
        # The same page as before, but for the per-response CSRF mask.
        assert without_tokens(body) == without_tokens(before[page][1]), page


def test_an_upload_says_it_cannot_be_processed_now_and_writes_nothing(
    app_on_throwaway_services, throwaway_redis
):
    server = app_on_throwaway_services
    upload_page = "/inspections/essex-2014/batches/"
    assert server.get(upload_page)[0] == 200
    throwaway_redis.stop()

    csv = (
        b"reference,record_type,reported_at,offence_group,summary\n"
        b"FAULT-1,incident,2014-03-01,,Caller reports a theft\n"
    )
    started = time.monotonic()
    status, body = server.post_file(upload_page, "file", "fault.csv", csv)
    assert time.monotonic() - started < 30  # said promptly, not after a long hang
    assert status == 200, body[:500]
    assert "cannot be processed now" in body
    assert "Nothing was imported" in body
    env = server.env
    counts = manage(
        env,
        "shell",
        "-c",
        "from inspect_app.inspections.models import SampledCase, SampleBatch;"
        "print(SampledCase.objects.filter(reference='FAULT-1').count(),"
        " list(SampleBatch.objects.values_list('status', flat=True)))",
    )
    assert counts.strip().splitlines()[-1] == "0 ['failed']"
