"""The session engine reads a session with written SQL: the same answers as Django's own."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from inspect_app.accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def stored(**data):
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_a_live_session_is_read_back():
    key = stored(person="17", signed_in_at=1.5)
    loaded = SessionStore(session_key=key)
    assert loaded["person"] == "17" and loaded["signed_in_at"] == 1.5
    assert loaded.session_key == key


def test_an_expired_session_is_not_read_and_its_key_is_forgotten():
    key = stored(person="17")
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    loaded = SessionStore(session_key=key)
    assert loaded.get("person") is None
    assert loaded.session_key is None  # a save starts a new session, never this one


def test_a_deleted_session_is_not_read():
    key = stored(person="17")
    SessionStore(session_key=key).delete()
    assert SessionStore(session_key=key).get("person") is None


def test_an_unknown_key_reads_nothing():
    assert SessionStore(session_key="x" * 32).load() == {}
