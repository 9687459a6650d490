"""Throwaway PostgreSQL and Redis servers for fault tests.

Each runs from a temporary folder on a port of its own, so a test can stop,
kill or restart it without touching the machine's own services.
"""

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, up=True, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} did not go {'up' if up else 'down'} in {seconds}s")


def postgres_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available():
    return bool(postgres_bin("initdb") and shutil.which("redis-server"))


class ThrowawayRedis:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        wait_for_port(self.port, up=False)


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (initdb refuses root, so it runs as postgres)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.data = self.folder / "pgdata"
        self.port = free_port()

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, *argv):
        command = [str(a) for a in argv]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self):
        if not self.data.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.folder, "postgres")
            self._as_owner(
                postgres_bin("initdb"),
                "-D",
                self.data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
            )
        self._as_owner(
            postgres_bin("pg_ctl"),
            "-D",
            self.data,
            "-l",
            self.folder / "log",
            "-w",
            "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        wait_for_port(self.port)
        return self

    def stop(self):
        self._as_owner(postgres_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")
        wait_for_port(self.port, up=False)

    def restart(self):
        self.stop()
        self.start()


ROOT = Path(__file__).resolve().parents[2]


def throwaway_folder():
    """A temporary folder the postgres user can reach (pytest's own are private to root)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="inspect-fault-"))
    folder.chmod(0o755)
    return folder


def app_environment(database_url, redis_url=None, **extra):
    """The environment of a production-like app process on these services."""
    import secrets

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "CELERY_QUEUE"}
    }
    env.update(
        INSPECT_ENV_FILE="",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        DEMO_PASSWORD="fault-test-passphrase",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def manage(env, *argv, timeout=300):
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{result.stderr}")
    return result.stdout


class AppServer:
    """gunicorn serving the app on a free loopback port, with a signed-in browser-like client."""

    def __init__(self, env, log_path):
        self.env = env
        self.port = free_port()
        self.log_path = log_path
        self.process = None
        import http.cookiejar
        import urllib.request

        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        import sys

        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "inspect_app.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "60",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, seconds=60)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def get(self, path):
        """(status, body) of a GET; HTTP errors are answers too."""
        import urllib.error

        try:
            with self.opener.open(self.url + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path, fields, referer=None):
        import urllib.error
        import urllib.parse

        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(
            self.url + path, data=data, headers={"Referer": referer or self.url + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_file(self, path, field, filename, content):
        """POST a multipart form with one file, as a browser's upload does."""
        import urllib.error
        import uuid

        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        boundary = uuid.uuid4().hex
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            self.url + path,
            data=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.url + path,
            },
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, username, password, uri):
        """The password, then a code from the authenticator ``uri`` (as load_demo printed it)."""
        from tests.authenticator import code_from_uri

        self.get("/accounts/login/")
        status, body = self.post("/accounts/login/", {"username": username, "password": password})
        assert status == 200 and "Enter your code" in body, body[:500]
        status, body = self.post("/accounts/second-factor/", {"code": code_from_uri(uri)})
        assert status == 200 and "Sign out" in body and "Enter your code" not in body, body[:500]


def authenticator_uri(demo_output, username):
    """The ``otpauth://`` URI load_demo printed beside ``username``'s password."""
    for line in demo_output.splitlines():
        words = line.split()
        if words[:1] == [username] and words[-1].startswith("otpauth://"):
            return words[-1]
    raise AssertionError(f"load_demo printed no authenticator for {username}")
