"""Uploaded materials (申请材料): JPEG, PNG or PDF only, judged by content, bounded in size.

The type of an upload is read from its first bytes, never from its name or the browser's
Content-Type: a photo named ``scan.pdf`` is stored as the JPEG it is, and a program renamed
``photo.jpg`` is refused. Bodies are read in chunks and refused as soon as they pass the limit,
so an oversized or endless body is never held in memory or on disk.

Files are stored under random keys behind :class:`FileStorage`; :class:`LocalFileStorage` keeps
them on disk. An S3-style backend would implement the same three methods (``save`` streaming a
multipart upload and aborting it when the limit is passed, ``open`` returning the object's body,
``delete``), so callers never learn where the bytes live.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Protocol

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CHUNK_SIZE = 64 * 1024
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
_SNIFF_LENGTH = max(len(signature) for signature, _ in _SIGNATURES)
_KEY = re.compile(r"[0-9a-f]{32}")
# Control characters (NUL, CR, LF…) and format characters (Unicode category Cf: the bidi
# overrides such as U+202E that turn "fdp.exe" into "exe.pdf" on screen, zero-width spaces).
_UNSHOWABLE = frozenset(("Cc", "Cf"))
FILENAME_MAX_LENGTH = 100


class Rejection(StrEnum):
    """Why an upload was refused; the page turns the code into a Chinese message."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    # The caps of what one application may hold (checked by its materials service).
    TOO_MANY_FOR_MATERIAL = "too_many_for_material"
    TOO_MANY_FOR_APPLICATION = "too_many_for_application"
    APPLICATION_TOO_LARGE = "application_too_large"


class UploadRejected(Exception):
    """An upload that is not kept, with the ``reason`` and the cap it met: ``max_bytes`` for
    too_large and application_too_large, ``max_files`` for the too_many reasons."""

    def __init__(
        self, reason: Rejection, *, max_bytes: int | None = None, max_files: int | None = None
    ) -> None:
        super().__init__(f"upload rejected: {reason.value}")
        self.reason = reason
        self.max_bytes = max_bytes
        self.max_files = max_files


class UnknownKey(LookupError):
    """No stored file has this key (a malformed key, such as ``../x``, included)."""


@dataclass(frozen=True)
class StoredFile:
    """A kept upload: its storage key, the content type read from its bytes, size and SHA-256."""

    key: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Swept:
    """What a sweep removed: unfinished ``.part`` files and stored files no row refers to."""

    parts: int
    orphans: int


class ReadableStream(Protocol):
    """What an upload arrives as (a Werkzeug ``FileStorage.stream``, any binary file)."""

    def read(self, size: int = -1, /) -> bytes: ...


class FileStorage(Protocol):
    """Where materials are kept; a local directory now, an object store later."""

    def save(self, stream: ReadableStream, *, max_bytes: int = DEFAULT_MAX_BYTES) -> StoredFile:
        """Keep an allowed upload. :raises UploadRejected: if empty, too large or not allowed."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes. :raises UnknownKey: if nothing is stored under ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Forget a file; deleting it twice is harmless. :raises UnknownKey: if malformed."""
        ...


def clean_filename(name: str | None) -> str:
    """The name an upload came with, as it may be kept and shown: control and bidi characters
    removed, surrounding spaces trimmed, the last ``FILENAME_MAX_LENGTH`` characters (which
    keep the extension). Never used to serve the file: see ``storage.downloads``."""
    kept = "".join(c for c in name or "" if unicodedata.category(c) not in _UNSHOWABLE)
    return kept.strip()[-FILENAME_MAX_LENGTH:]


def sniff_content_type(head: bytes) -> str | None:
    """The content type of a file from its first bytes: JPEG, PNG or PDF; None for anything else."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


class LocalFileStorage:
    """Files under ``root/ab/cd/abcd…``: random keys, atomic writes, readable by the owner only."""

    def __init__(self, root: Path, *, chunk_size: int = CHUNK_SIZE) -> None:
        self._root = Path(root)
        self._chunk_size = chunk_size
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def save(self, stream: ReadableStream, *, max_bytes: int = DEFAULT_MAX_BYTES) -> StoredFile:
        """Read ``stream`` in chunks, check its type and size, and keep it under a new random key.

        :raises UploadRejected: ``empty``; ``unsupported_type`` (decided from the first bytes,
            before anything is written); ``too_large`` as soon as more than ``max_bytes`` arrive.
        :raises ValueError: if ``max_bytes`` is not positive.
        """
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, not {max_bytes}")
        intake = _Intake(stream, max_bytes, self._chunk_size)
        head = intake.head(_SNIFF_LENGTH)
        content_type = _allowed_content_type(head)
        key = secrets.token_hex(16)
        _write_atomically(self._new_path(key), intake.chunks(head))
        return StoredFile(key, content_type, intake.size, intake.sha256.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """The stored file, opened for binary reading; the caller closes it.

        :raises UnknownKey: if ``key`` is malformed or nothing is stored under it.
        """
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise UnknownKey(key) from None

    def delete(self, key: str) -> None:
        """Remove the stored file, if there is one.

        :raises UnknownKey: if ``key`` is malformed.
        """
        self._path(key).unlink(missing_ok=True)

    def sweep(self, referenced: Collection[str], older_than: float) -> Swept:
        """Remove what a killed worker or a rolled-back transaction left behind: ``.part`` files,
        and stored files whose key is not in ``referenced``, last written before ``older_than``
        (a POSIX time). The grace period protects an upload whose row is not committed yet.
        """
        parts = orphans = 0
        for path in self._root.glob("*/*/*"):
            if not path.is_file() or path.stat().st_mtime >= older_than:
                continue
            if path.name.endswith(".part"):
                parts += 1
            elif _KEY.fullmatch(path.name) and path.name not in referenced:
                orphans += 1
            else:
                continue
            path.unlink(missing_ok=True)
        return Swept(parts, orphans)

    def _path(self, key: str) -> Path:
        # Keys are ours and hex only, so no key can climb out of the root.
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise UnknownKey(key)
        return self._root / key[:2] / key[2:4] / key

    def _new_path(self, key: str) -> Path:
        path = self._path(key)
        for directory in (path.parent.parent, path.parent):
            directory.mkdir(mode=0o700, exist_ok=True)
        return path


class _Intake:
    """Reads an upload, never more than ``max_bytes + 1`` bytes in all, hashing as it goes."""

    def __init__(self, stream: ReadableStream, max_bytes: int, chunk_size: int) -> None:
        self._stream = stream
        self._max_bytes = max_bytes
        self._chunk_size = chunk_size
        self.size = 0
        self.sha256 = hashlib.sha256()

    def read(self, wanted: int) -> bytes:
        # One byte past the limit is enough to know the upload is too large.
        chunk = self._stream.read(min(wanted, self._max_bytes + 1 - self.size))
        self.size += len(chunk)
        self.sha256.update(chunk)
        if self.size > self._max_bytes:
            raise UploadRejected(Rejection.TOO_LARGE, max_bytes=self._max_bytes)
        return chunk

    def head(self, length: int) -> bytes:
        head = b""
        while len(head) < length and (chunk := self.read(length - len(head))):
            head += chunk
        return head

    def chunks(self, head: bytes) -> Iterator[bytes]:
        yield head
        while chunk := self.read(self._chunk_size):
            yield chunk


def _allowed_content_type(head: bytes) -> str:
    if not head:
        raise UploadRejected(Rejection.EMPTY)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise UploadRejected(Rejection.UNSUPPORTED_TYPE)
    return content_type


def _write_atomically(path: Path, chunks: Iterator[bytes]) -> None:
    """Write to a private temporary file beside ``path``, then rename: never a half file."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as output:
            for chunk in chunks:
                output.write(chunk)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
