"""Uploads kept on disk: judged by content, bounded in size, under random keys."""

import hashlib
import io
import re
import stat

import pytest

from mobile_hall.storage.files import (
    DEFAULT_MAX_BYTES,
    LocalFileStorage,
    Rejection,
    UnknownKey,
    UploadRejected,
    sniff_content_type,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 500
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
CHUNK = 1024


class GeneratorStream:
    """An upload body served from a generator, remembering how many bytes were handed out."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""
        self.bytes_read = 0

    def read(self, size=-1):
        assert size >= 0, "read() without a size would take an unbounded body into memory"
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.bytes_read += len(data)
        return data


def _body(head, total, *, limit=None):
    """``total`` bytes starting with ``head``; fails if pulled past ``limit`` + one chunk."""
    produced = 0
    yield head
    produced += len(head)
    while total is None or produced < total:
        assert limit is None or produced <= limit + CHUNK, "read far past the limit"
        size = CHUNK if total is None else min(CHUNK, total - produced)
        produced += size
        yield b"\x00" * size


@pytest.fixture
def storage(tmp_path):
    return LocalFileStorage(tmp_path / "uploads", chunk_size=CHUNK)


def _stored_files(storage_root):
    return [path for path in storage_root.rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf")],
)
def test_each_allowed_type_is_kept_with_its_content_type(storage, data, content_type):
    stored = storage.save(io.BytesIO(data))
    assert stored.content_type == content_type
    assert stored.size == len(data)
    with storage.open(stored.key) as kept:
        assert kept.read() == data


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,  # a Windows program
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100,  # a Linux program
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 100,  # zip, docx, apk
        b"GIF89a\x01\x00\x01\x00",
        b" %PDF-1.7\n",  # the signature must open the file
        b"\xff\xd8",  # too short to be a JPEG
    ],
)
def test_other_content_is_refused_whatever_it_is_called(storage, tmp_path, data):
    with pytest.raises(UploadRejected) as caught:
        storage.save(io.BytesIO(data))
    assert caught.value.reason is Rejection.UNSUPPORTED_TYPE
    assert _stored_files(tmp_path / "uploads") == []


def test_content_decides_the_type_not_the_name(storage):
    # The storage never sees the name: a JPEG uploaded as "scan.pdf" is kept as a JPEG.
    stored = storage.save(io.BytesIO(JPEG))
    assert stored.content_type == "image/jpeg"


def test_an_empty_upload_is_refused(storage):
    with pytest.raises(UploadRejected) as caught:
        storage.save(io.BytesIO(b""))
    assert caught.value.reason is Rejection.EMPTY
    assert caught.value.reason == "empty"


def test_a_file_of_exactly_the_limit_is_kept(storage):
    stream = GeneratorStream(_body(PNG, 10_000))
    stored = storage.save(stream, max_bytes=10_000)
    assert stored.size == 10_000


def test_one_byte_over_the_limit_is_refused_and_nothing_is_left(storage, tmp_path):
    stream = GeneratorStream(_body(PNG, 10_001))
    with pytest.raises(UploadRejected) as caught:
        storage.save(stream, max_bytes=10_000)
    assert caught.value.reason is Rejection.TOO_LARGE
    assert caught.value.max_bytes == 10_000
    assert _stored_files(tmp_path / "uploads") == []


def test_an_endless_body_is_refused_after_reading_one_byte_past_the_limit(storage):
    stream = GeneratorStream(_body(JPEG, None, limit=50_000))
    with pytest.raises(UploadRejected) as caught:
        storage.save(stream, max_bytes=50_000)
    assert caught.value.reason is Rejection.TOO_LARGE
    assert stream.bytes_read == 50_001


def test_the_default_limit_is_ten_megabytes(tmp_path):
    storage = LocalFileStorage(tmp_path)
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    assert storage.save(GeneratorStream(_body(PDF, DEFAULT_MAX_BYTES))).size == DEFAULT_MAX_BYTES
    with pytest.raises(UploadRejected):
        storage.save(GeneratorStream(_body(PDF, DEFAULT_MAX_BYTES + 1)))


def test_a_limit_must_be_positive(storage):
    with pytest.raises(ValueError, match="positive"):
        storage.save(io.BytesIO(JPEG), max_bytes=0)


def test_short_reads_still_find_the_signature(storage):
    one_byte_at_a_time = GeneratorStream(bytes([byte]) for byte in PNG)
    assert storage.save(one_byte_at_a_time).content_type == "image/png"


def test_sha256_is_that_of_the_whole_file(storage):
    data = b"".join(_body(JPEG, 5 * CHUNK + 17))
    stored = storage.save(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()


def test_keys_are_random_hex_and_files_are_sharded_and_private(storage, tmp_path):
    first, second = storage.save(io.BytesIO(JPEG)), storage.save(io.BytesIO(JPEG))
    assert first.key != second.key
    assert first.sha256 == second.sha256
    for key in (first.key, second.key):
        assert re.fullmatch(r"[0-9a-f]{32}", key)
        path = tmp_path / "uploads" / key[:2] / key[2:4] / key
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(_stored_files(tmp_path / "uploads")) == 2  # no temporary files left behind


def test_a_body_that_breaks_off_leaves_nothing(storage, tmp_path):
    def broken():
        yield JPEG
        raise OSError("connection reset")

    with pytest.raises(OSError, match="connection reset"):
        storage.save(GeneratorStream(broken()))
    assert _stored_files(tmp_path / "uploads") == []


def test_delete_forgets_the_file_and_may_be_repeated(storage):
    stored = storage.save(io.BytesIO(PDF))
    storage.delete(stored.key)
    with pytest.raises(UnknownKey):
        storage.open(stored.key)
    storage.delete(stored.key)


def test_an_unknown_key_is_refused(storage):
    with pytest.raises(UnknownKey):
        storage.open("0" * 32)


@pytest.mark.parametrize(
    "key",
    ["../x", "../../etc/passwd", "/etc/passwd", "", "A" * 32, "0" * 31, "0" * 30 + "/.", None],
)
def test_keys_that_are_not_ours_are_refused(storage, key):
    with pytest.raises(UnknownKey):
        storage.open(key)
    with pytest.raises(UnknownKey):
        storage.delete(key)


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (JPEG[:8], "image/jpeg"),
        (PNG[:8], "image/png"),
        (b"%PDF-1.4", "application/pdf"),
        (b"\x89PNG\r\n\x1a", None),
        (b"%PDF", None),
        (b"", None),
        (b"RIFF\x00\x00\x00\x00WEBP", None),
    ],
)
def test_sniffing_reads_magic_numbers(head, content_type):
    assert sniff_content_type(head) == content_type


def test_the_generator_stream_would_catch_over_reading():
    stream = GeneratorStream(_body(JPEG, None, limit=0))
    with pytest.raises(AssertionError, match="far past the limit"):
        stream.read(10 * CHUNK)
