"""PostgreSQL restarts under a running app: the next request reconnects by itself."""

from tests.faults.services import AppServer, app_environment, authenticator_uri, manage


def test_the_app_reconnects_after_postgresql_restarts(throwaway_postgres, tmp_path):
    env = app_environment(throwaway_postgres.url)
    manage(env, "migrate", "--noinput")
    demo = manage(env, "load_demo")
    server = AppServer(env, tmp_path / "gunicorn.log").start()
    try:
        server.sign_in("admin", env["DEMO_PASSWORD"], authenticator_uri(demo, "admin"))
        status, body = server.get("/inspections/")
        assert status == 200 and "essex-2014" in body

        throwaway_postgres.restart()

        # The very first request after the restart is served: the stale
        # connection is noticed and replaced, no app restart needed.
        status, body = server.get("/inspections/")
        assert status == 200, (tmp_path / "gunicorn.log").read_text()[-2000:]
        assert "essex-2014" in body
        assert server.get("/healthz") == (200, "ok")
    finally:
        server.stop()


def test_while_postgresql_is_down_requests_fail_cleanly_then_recover(throwaway_postgres, tmp_path):
    env = app_environment(throwaway_postgres.url)
    manage(env, "migrate", "--noinput")
    server = AppServer(env, tmp_path / "gunicorn.log").start()
    try:
        assert server.get("/healthz") == (200, "ok")
        throwaway_postgres.stop()
        status, body = server.get("/healthz")
        assert status == 500 and "Traceback" not in body
        throwaway_postgres.start()
        assert server.get("/healthz") == (200, "ok")
    finally:
        server.stop()
