"""Evidence blobs in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, …).

Same contract as the local folder (`BlobStore`): objects named by their full SHA-256, written once,
never visible half-written.

How a file goes in, in one read of the source file and constant memory:

* A file no larger than one part is read into memory (one part, bounded), hashed, and written with
  a single PUT under its final key, conditional on the key not existing yet (`If-None-Match: *`).
* A larger file is streamed part by part into a multipart upload under a temporary key
  (`<prefix>.incoming/<random>`), hashing each part as it is sent. The final key depends on the
  hash, which is known only at the end, so the complete object is then copied server-side to
  `<prefix>ab/cd/<sha256>` and the temporary object deleted. Hashing to a local temporary file and
  uploading afterwards would read and write every byte twice on the collector's machine; the
  server-side copy costs no client bandwidth.

Readers never see a partial object: an S3 object exists only after its PUT, CompleteMultipartUpload
or CopyObject succeeded, each atomic. A crash leaves at most an incomplete multipart upload or a
temporary object under `.incoming/`, which `iter_hashes` ignores and `clean_incoming` removes (a
bucket lifecycle rule that aborts incomplete uploads after a day does the same).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from gawah.vault.blobstore import SHA256_RE, StoredBlob

MIB = 1 << 20
DEFAULT_PART_SIZE = 16 * MIB
MIN_PART_SIZE = 5 * MIB  # S3's smallest part, except the last
MAX_PARTS = 10_000
MAX_COPY_BYTES = 5 * 1024 * MIB  # CopyObject's limit; larger objects are copied part by part
INCOMING = ".incoming/"


class S3StoreError(OSError):
    """The object store refused or failed an operation (an OSError, as a full disk would be)."""


def _check_hash(sha256: str) -> str:
    if not SHA256_RE.match(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _read_full(src: BinaryIO, size: int) -> bytes:
    """Exactly `size` bytes unless the file ends first (a plain read may return fewer)."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = src.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class _ObjectReader(io.RawIOBase):
    """A raw stream over an S3 GET body, so callers get an ordinary buffered binary file."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3BlobStore:
    """Blobs under `s3://bucket/<prefix>ab/cd/<sha256>`; `StoredBlob.key` is `ab/cd/<sha256>`, the
    same key the local store uses, so a vault can move between backends unchanged."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        prefix: str = "evidence/",
        client: Any = None,
        region_name: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum part)")
        if client is None:
            import boto3  # only needed for this backend: `pip install gawah[s3]`

            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region_name)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.part_size = part_size

    # ------------------------------------------------------------ naming

    def key(self, sha256: str) -> str:
        _check_hash(sha256)
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def object_key(self, sha256: str) -> str:
        return self.prefix + self.key(sha256)

    # ------------------------------------------------------------ reading

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(sha256))
        except Exception as exc:
            if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise S3StoreError(f"cannot check s3://{self.bucket}/{self.object_key(sha256)}: {exc}") from exc
        return True

    def open(self, sha256: str) -> BinaryIO:
        key = self.object_key(sha256)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(f"s3://{self.bucket}/{key}") from exc
            raise S3StoreError(f"cannot read s3://{self.bucket}/{key}: {exc}") from exc
        return io.BufferedReader(_ObjectReader(response["Body"]), buffer_size=MIB)

    def iter_hashes(self) -> Iterator[str]:
        """Every stored hash, in key order (which is hash order), page by page."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for entry in page.get("Contents", []):
                relative = entry["Key"][len(self.prefix) :]
                name = relative.rsplit("/", 1)[-1]
                if SHA256_RE.match(name) and relative == self.key(name):
                    yield name

    # ------------------------------------------------------------ writing

    def put_file(self, path: Path) -> StoredBlob:
        size_hint = path.stat().st_size
        # Keep within S3's 10,000 parts however large the file is.
        part_size = max(self.part_size, math.ceil(size_hint / (MAX_PARTS - 1000)))
        with path.open("rb") as src:
            first = _read_full(src, part_size)
            if len(first) < part_size:
                return self._put_small(first)
            return self._put_multipart(src, first, part_size)

    def _put_small(self, data: bytes) -> StoredBlob:
        digest = hashlib.sha256(data)
        sha256 = digest.hexdigest()
        key = self.object_key(sha256)
        if self.exists(sha256):
            return StoredBlob(sha256, len(data), self.key(sha256), created=False)
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                # The server re-hashes the body and refuses it if a byte changed in transit.
                ChecksumSHA256=base64.b64encode(digest.digest()).decode("ascii"),
                Metadata={"sha256": sha256},
                IfNoneMatch="*",
            )
        except Exception as exc:
            if _error_code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return StoredBlob(sha256, len(data), self.key(sha256), created=False)
            raise S3StoreError(f"cannot write s3://{self.bucket}/{key}: {exc}") from exc
        return StoredBlob(sha256, len(data), self.key(sha256), created=True)

    def _put_multipart(self, src: BinaryIO, first: bytes, part_size: int) -> StoredBlob:
        incoming = f"{self.prefix}{INCOMING}{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        size = 0
        try:
            upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=incoming)["UploadId"]
        except Exception as exc:
            raise S3StoreError(f"cannot start an upload to s3://{self.bucket}: {exc}") from exc
        try:
            parts: list[dict[str, Any]] = []
            chunk = first
            while chunk:
                digest.update(chunk)
                size += len(chunk)
                response = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=incoming,
                    UploadId=upload_id,
                    PartNumber=len(parts) + 1,
                    Body=chunk,
                )
                parts.append({"PartNumber": len(parts) + 1, "ETag": response["ETag"]})
                chunk = _read_full(src, part_size)
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=incoming, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException as exc:
            # On failure here a lifecycle rule or clean_incoming() removes it; report the first error.
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=incoming, UploadId=upload_id)
            if isinstance(exc, Exception) and not isinstance(exc, OSError):
                raise S3StoreError(f"upload to s3://{self.bucket} failed: {exc}") from exc
            raise
        sha256 = digest.hexdigest()
        try:
            if self.exists(sha256):
                return StoredBlob(sha256, size, self.key(sha256), created=False)
            self._copy(incoming, self.object_key(sha256), size, sha256)
            return StoredBlob(sha256, size, self.key(sha256), created=True)
        finally:
            # A leftover is for clean_incoming(); the final object is already complete or absent.
            with contextlib.suppress(Exception):
                self.client.delete_object(Bucket=self.bucket, Key=incoming)

    def _copy(self, source_key: str, target_key: str, size: int, sha256: str) -> None:
        source = {"Bucket": self.bucket, "Key": source_key}
        try:
            if size <= MAX_COPY_BYTES:
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=target_key,
                    CopySource=source,
                    MetadataDirective="REPLACE",
                    Metadata={"sha256": sha256},
                )
                return
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=target_key, Metadata={"sha256": sha256}
            )["UploadId"]
        except Exception as exc:
            raise S3StoreError(f"cannot copy into s3://{self.bucket}/{target_key}: {exc}") from exc
        try:
            parts: list[dict[str, Any]] = []
            step = max(MAX_COPY_BYTES // 5, math.ceil(size / (MAX_PARTS - 1000)))
            for number, start in enumerate(range(0, size, step), start=1):
                end = min(start + step, size) - 1
                response = self.client.upload_part_copy(
                    Bucket=self.bucket,
                    Key=target_key,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=source,
                    CopySourceRange=f"bytes={start}-{end}",
                )
                parts.append({"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=target_key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException as exc:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=target_key, UploadId=upload_id)
            if isinstance(exc, Exception) and not isinstance(exc, OSError):
                raise S3StoreError(f"cannot copy into s3://{self.bucket}/{target_key}: {exc}") from exc
            raise

    def delete(self, sha256: str) -> None:
        """Only for undoing a write whose record could not be committed."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(sha256))
        except Exception as exc:
            raise S3StoreError(f"cannot delete s3://{self.bucket}/{self.object_key(sha256)}: {exc}") from exc

    # ------------------------------------------------------------ housekeeping

    def clean_incoming(self) -> int:
        """Abort unfinished uploads and delete temporary objects left by interrupted writes.
        Call it when no write is in progress (e.g. before `gawah verify`); returns how many."""
        removed = 0
        uploads = self.client.get_paginator("list_multipart_uploads")
        for page in uploads.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for upload in page.get("Uploads", []):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
                removed += 1
        objects = self.client.get_paginator("list_objects_v2")
        for page in objects.paginate(Bucket=self.bucket, Prefix=self.prefix + INCOMING):
            for entry in page.get("Contents", []):
                self.client.delete_object(Bucket=self.bucket, Key=entry["Key"])
                removed += 1
        return removed
