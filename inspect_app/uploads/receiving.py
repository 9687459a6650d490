"""Receiving a batch file: the size limit, the duplicate-file check, and its pending batch.

The size is checked before anything is read; the same file (by SHA-256 of
its bytes) twice in one inspection is refused. A file that passes is kept
under MEDIA_ROOT until its batch is settled, and its upload is recorded in
the audit log.
"""

import hashlib
import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.utils import timezone

from inspect_app.accounts.models import AuditAction
from inspect_app.inspections.models import BatchStatus, SampleBatch, batch_file_storage
from inspect_app.uploads import auditing
from inspect_app.uploads.errors import WHOLE_FILE, BatchError
from inspect_app.uploads.progress import forget_progress

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
UPLOAD_FOLDER = "batches"


def max_bytes() -> int:
    return getattr(settings, "BATCH_MAX_BYTES", DEFAULT_MAX_BYTES)


def batch_storage() -> FileSystemStorage:
    """Where uploaded files wait to be processed (the batch model's own storage)."""
    return batch_file_storage()


class BatchRefused(Exception):
    """The file was refused before a batch was made (too big, a duplicate)."""

    def __init__(self, errors):
        super().__init__("; ".join(error.line() for error in errors))
        self.errors = errors


def too_big_error(size) -> BatchError:
    limit = max_bytes()
    return BatchError(
        1,
        WHOLE_FILE,
        f"the file is {_megabytes(size)}; the most that can be uploaded is {_megabytes(limit)}: "
        "split it into smaller batches",
    )


def _megabytes(size) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def duplicate_error(inspection, sha256, exclude_pk=None):
    """The error for a file already uploaded to the inspection (and not failed or withdrawn)."""
    live = (
        SampleBatch.objects.filter(inspection=inspection, content_sha256=sha256)
        .exclude(status__in=(BatchStatus.FAILED, BatchStatus.WITHDRAWN))
        .exclude(pk=exclude_pk)
        .order_by("uploaded_at")
        .first()
    )
    if live is None:
        return None
    when = timezone.localtime(live.uploaded_at).strftime("%d/%m/%Y %H:%M")
    return BatchError(
        1,
        WHOLE_FILE,
        f"this file has already been uploaded to this inspection ({live.original_filename}, "
        f"{when}, {live.get_status_display().lower()})",
    )


def sha256_of_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def receive(inspection, source, *, filename, by=None, request=None, ignored_columns=()):
    """Keep the file and make a pending batch for it, or raise :class:`BatchRefused`.

    ``source`` is an uploaded file (anything with ``size`` and ``chunks()``)
    or a path. The size is checked before a byte is read. ``by`` is who
    uploaded it (None from the command line); ``request``, if given, gives
    the audit entry its address.
    """
    size = source.size if hasattr(source, "chunks") else os.path.getsize(source)
    if size > max_bytes():
        raise BatchRefused([too_big_error(size)])

    storage = batch_storage()
    extension = ".xlsx" if filename.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    name = f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}{extension}"
    path = storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    digest = hashlib.sha256()
    with open(path, "xb") as out:
        chunks = source.chunks() if hasattr(source, "chunks") else _file_chunks(source)
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
    sha256 = digest.hexdigest()

    duplicate = duplicate_error(inspection, sha256)
    if duplicate is not None:
        storage.delete(name)
        raise BatchRefused([duplicate])
    try:
        with transaction.atomic():
            batch = SampleBatch.objects.create(
                inspection=inspection,
                original_filename=os.path.basename(filename)[:255],
                content_sha256=sha256,
                uploaded_by=by,
                stored_file=name,
                ignored_columns=list(ignored_columns),
            )
            auditing.record(
                AuditAction.COLLECTION,
                batch,
                by=by,
                request=request,
                filename=batch.original_filename,
                sha256=batch.content_sha256,
            )
    except IntegrityError:
        # Uploaded twice at the same moment: the constraint kept one.
        storage.delete(name)
        raise BatchRefused(
            [duplicate_error(inspection, sha256) or BatchError(1, WHOLE_FILE, "duplicate file")]
        ) from None
    # A shared cache can outlive the database (a test run, a restore): start clean.
    forget_progress(batch.pk)
    return batch


def _file_chunks(path):
    with open(path, "rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")
