"""Progress kept in the cache is a nicety: an unreachable cache never stops the work."""

from redis.exceptions import RedisError

from inspect_app.core import progress


def test_progress_is_written_read_and_forgotten():
    progress.write("test:progress:1", {"rows_done": 5})
    assert progress.read("test:progress:1") == {"rows_done": 5}
    progress.forget("test:progress:1")
    assert progress.read("test:progress:1") == {}


def test_an_unreachable_cache_reads_as_no_progress_and_writes_nothing(monkeypatch):
    def unreachable(*args, **kwargs):
        raise RedisError("connection refused")

    for name in ("get", "set", "delete"):
        monkeypatch.setattr(progress.cache, name, unreachable)
    progress.write("test:progress:2", {"rows_done": 5})
    progress.forget("test:progress:2")
    assert progress.read("test:progress:2") == {}
