"""C2PA content credentials: find a file's manifest store, summarise it and validate it, offline.

Validation is the CAI's own library (c2pa-python, bindings to c2pa-rs): it checks the claim
signature, the hashes that bind the manifest to the file's bytes, and the signing certificate
against the trust anchors Gawah is given (none by default). The states it yields are:

- ``valid``: signature and hashes hold and the signer chains to a trust anchor Gawah was given;
- ``unverified-signer``: signature and hashes hold, but the signer is on no trust list Gawah
  holds (the usual case: Gawah fetches no trust list);
- ``invalid``: a hash or the signature does not hold (the file was changed after signing), or
  the manifest store is malformed;
- ``not-validated``: the store was found and summarised but not validated (the library could
  not be loaded, does not read this format, or the manifest lives at a remote address).

Offline, always. By default c2pa-rs fetches a manifest that an asset references by URL
(``verify.remote_manifest_fetch`` is on); Gawah turns that off, keeps OCSP revocation fetching off
(``verify.ocsp_fetch``), and allows no network host at all (``core.allowed_network_hosts`` is an
empty list), so no read can open a connection. Revocation is therefore not checked, and a remote
manifest is reported with its address, never fetched. Gawah fetches no trust list: a signer counts
as ``valid`` only when it chains to anchors passed in as `trust_anchors` (or built into c2pa-rs).

Read-only, always: files are opened ``rb`` and handed to the library as a read-only stream; the
library is never given a path it could write to, and nothing here signs or embeds.

When c2pa-python cannot be imported (or its native library not loaded), ingest still works: a
small JUMBF locator finds the store in JPEG (APP11), PNG (caBX), ISO BMFF (uuid box), RIFF (C2PA
chunk) or a sidecar .c2pa file, and cbor2 decodes the claim for its generator, title and assertions.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import cbor2

# A manifest store larger than this is not metadata but an attack.
MAX_STORE_BYTES = 32 << 20
# Enough for any real claim; a deeper CBOR item is built to exhaust the decoder.
MAX_CBOR_DEPTH = 64
MAX_LISTED = 64

C2PA_BMFF_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
C2PA_STORE_UUID = bytes.fromhex("6332706100110010800000aa00389b71")  # "c2pa" + ISO suffix

# Settings for every read: see the module docstring.
OFFLINE_SETTINGS: dict[str, Any] = {
    "verify": {
        "verify_after_reading": True,
        "verify_trust": True,
        "remote_manifest_fetch": False,
        "ocsp_fetch": False,
    },
    "core": {"allowed_network_hosts": []},
}
_REMOTE_URL_RE = re.compile(r"(https?://\S+)")


class ValidationState(StrEnum):
    """What the validation of a manifest store concluded (see the module docstring)."""

    VALID = "valid"
    UNVERIFIED_SIGNER = "unverified-signer"
    INVALID = "invalid"
    NOT_VALIDATED = "not-validated"


@dataclass
class C2paInfo:
    """A C2PA manifest store found in the file: what its active manifest claims, and whether it holds."""

    container: str  # where it sits: jpeg-app11, png-cabx, bmff-uuid, riff-c2pa, sidecar, remote, other
    store_bytes: int
    manifest_count: int = 0
    active_manifest: str | None = None
    claim_generator: str | None = None
    claim_title: str | None = None
    claim_format: str | None = None
    assertions: list[str] = field(default_factory=list)
    signature_present: bool = False
    validated: bool = False  # True when c2pa-rs checked signature, hashes and signer
    validation_state: ValidationState = ValidationState.NOT_VALIDATED
    validation_problems: list[str] = field(default_factory=list)  # "code: explanation", as c2pa-rs says
    signer: str | None = None  # the signing certificate's common name
    signer_issuer: str | None = None  # the organisation that issued it
    signature_algorithm: str | None = None
    signed_at: str | None = None  # only from a trusted timestamp in the manifest
    ingredients: list[dict[str, Any]] = field(default_factory=list)
    remote_manifest_url: str | None = None
    validator: str | None = None  # "c2pa-python X (c2pa-rs Y)" when the library validated it


class C2paFormatError(ValueError):
    """A C2PA manifest store was found but cannot be read."""


# ---------------------------------------------------------------- entry point


def find_c2pa(path: Path, media_type: str, *, trust_anchors: str | None = None) -> C2paInfo | None:
    """The file's C2PA manifest store, summarised and validated offline; None when it has none.

    `trust_anchors` is a PEM bundle of root certificates whose signers count as ``valid``.
    Reads the whole file when it holds a manifest (the hashes cover every byte); never writes.
    Raises OSError when the file cannot be read and C2paFormatError when a store is there but
    unreadable; every other library failure becomes a problem on the returned summary.
    """
    located: tuple[str, bytes] | None = None
    format_error: C2paFormatError | None = None
    try:
        located = locate_manifest_store(path)
    except C2paFormatError as exc:
        format_error = exc
    library = _library()
    if library is None or not _library_reads(library, media_type, located is not None):
        return _fallback(located, format_error, None)
    try:
        report = _read_with_library(library, path, media_type, trust_anchors)
    except Exception as exc:  # the library's failure must never refuse the evidence
        return _after_library_error(library, exc, path, located, format_error)
    if report is None:
        # c2pa-rs found no store where the locator found one: say so, do not hide the store.
        return _fallback(located, format_error, "c2pa-rs found no manifest store in this file")
    container, store_bytes = (located[0], len(located[1])) if located else (_container_of(path), 0)
    return summarise_report(report, container, store_bytes, validator=_validator_name(library))


# ---------------------------------------------------------------- c2pa-python


_LIBRARY: Any = None
_LIBRARY_TRIED = False


def _library() -> Any:
    """The c2pa module, imported once; None when it or its native library cannot be loaded."""
    global _LIBRARY, _LIBRARY_TRIED
    if not _LIBRARY_TRIED:
        _LIBRARY_TRIED = True
        try:
            import c2pa

            _LIBRARY = c2pa
        except Exception:  # ImportError, or OSError from loading libc2pa_c
            _LIBRARY = None
    return _LIBRARY


def _validator_name(library: Any) -> str:
    return f"c2pa-python {library.__version__} (c2pa-rs {library.sdk_version()})"


def _library_reads(library: Any, media_type: str, located: bool) -> bool:
    """Ask the library only about formats it reads (or where a store was already found)."""
    if located:
        return True
    try:
        return media_type in library.Reader.get_supported_mime_types()
    except Exception:
        return False


def _read_with_library(
    library: Any, path: Path, media_type: str, trust_anchors: str | None
) -> dict[str, Any] | None:
    """The library's JSON report of the file, or None when it holds no manifest store."""
    settings: dict[str, Any] = json.loads(json.dumps(OFFLINE_SETTINGS))
    if trust_anchors:
        settings["trust"] = {"user_anchors": trust_anchors}  # added to, not replacing, built-in ones
    context = library.Context.from_dict(settings)
    try:
        with path.open("rb") as fh:
            fmt = "application/c2pa" if media_type == "application/c2pa" else media_type or None
            reader = library.Reader.try_create(fmt, fh, None, context)
            if reader is None:
                return None
            try:
                report: dict[str, Any] = json.loads(reader.json())
                report["validation_state"] = report.get("validation_state") or reader.get_validation_state()
                return report
            finally:
                reader.close()
    finally:
        context.close()


def _after_library_error(
    library: Any,
    exc: Exception,
    path: Path,
    located: tuple[str, bytes] | None,
    format_error: C2paFormatError | None,
) -> C2paInfo | None:
    message = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, library.C2paError):
        return _fallback(located, format_error, f"c2pa-python failed: {type(exc).__name__}: {message}")
    if message.startswith("Remote"):
        # The asset points at a manifest on a server: record where, never fetch it.
        url = _REMOTE_URL_RE.search(message)
        return C2paInfo(
            container="remote",
            store_bytes=0,
            remote_manifest_url=url.group(1).rstrip(")") if url else None,
            validation_problems=[f"manifest stored remotely, not fetched (Gawah reads offline): {message}"],
            validator=_validator_name(library),
        )
    if message.startswith("NotSupported"):
        return _fallback(located, format_error, f"c2pa-rs does not read this format: {message}")
    # The library read the store and rejected it: the credentials do not hold.
    if located is not None:
        info = _fallback(located, None, None)
        if info is not None:
            info.validated = True
            info.validation_state = ValidationState.INVALID
            info.validation_problems = [f"c2pa-rs rejected the manifest store: {message}"]
            info.validator = _validator_name(library)
        return info
    raise C2paFormatError(f"c2pa-rs could not read the manifest store: {message}") from exc


def summarise_report(report: dict[str, Any], container: str, store_bytes: int, validator: str) -> C2paInfo:
    """A C2paInfo from c2pa-rs's JSON report (Reader.json()): active manifest, signer, state, problems."""
    raw_manifests = report.get("manifests")
    manifests: dict[str, Any] = raw_manifests if isinstance(raw_manifests, dict) else {}
    active_label = report.get("active_manifest")
    active = manifests.get(active_label) if isinstance(active_label, str) else None
    info = C2paInfo(
        container=container,
        store_bytes=store_bytes,
        manifest_count=len(manifests),
        active_manifest=active_label if isinstance(active_label, str) else None,
        validated=True,
        validator=validator,
    )
    info.validation_problems = _failures(report)
    info.validation_state = _state(report.get("validation_state"), info.validation_problems)
    if not isinstance(active, dict):
        return info
    info.claim_generator = _generator(active.get("claim_generator"), active.get("claim_generator_info"))
    info.claim_title = _text(active.get("title"))
    info.claim_format = _text(active.get("format"))
    info.assertions = [
        str(a["label"]) for a in active.get("assertions") or [] if isinstance(a, dict) and a.get("label")
    ][:MAX_LISTED]
    signature = active.get("signature_info")
    if isinstance(signature, dict):
        info.signature_present = True
        info.signer = _text(signature.get("common_name"))
        info.signer_issuer = _text(signature.get("issuer"))
        info.signature_algorithm = _text(signature.get("alg"))
        info.signed_at = _text(signature.get("time"))
    info.ingredients = [_ingredient(i) for i in active.get("ingredients") or [] if isinstance(i, dict)][
        :MAX_LISTED
    ]
    return info


def _state(library_state: Any, problems: list[str]) -> ValidationState:
    """c2pa-rs says Trusted, Valid or Invalid; Valid means the signer chains to no anchor we hold."""
    state = str(library_state or "").lower()
    if state == "trusted":
        return ValidationState.VALID
    if state == "valid":
        return ValidationState.UNVERIFIED_SIGNER
    if state == "invalid" or problems:
        return ValidationState.INVALID
    return ValidationState.NOT_VALIDATED


def _failures(report: dict[str, Any]) -> list[str]:
    results = report.get("validation_results")
    entries: Any = None
    if isinstance(results, dict) and isinstance(results.get("activeManifest"), dict):
        entries = results["activeManifest"].get("failure")
    if entries is None:
        entries = report.get("validation_status")
    return _status_lines(entries)


def _status_lines(entries: Any) -> list[str]:
    lines = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("code"):
            explanation = entry.get("explanation")
            lines.append(f"{entry['code']}: {explanation}" if explanation else str(entry["code"]))
    return lines[:MAX_LISTED]


def _ingredient(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        key: raw[key] for key in ("title", "format", "relationship", "active_manifest") if raw.get(key)
    }
    results = raw.get("validation_results")
    if isinstance(results, dict) and isinstance(results.get("activeManifest"), dict):
        problems = _status_lines(results["activeManifest"].get("failure"))
        if problems:
            out["validation_problems"] = problems
    return out


def _generator(generator: Any, generator_info: Any) -> str | None:
    if isinstance(generator, str) and generator:
        return generator
    if isinstance(generator_info, list | dict):
        entries = generator_info if isinstance(generator_info, list) else [generator_info]
        names = [
            " ".join(str(e[k]) for k in ("name", "version") if isinstance(e, dict) and e.get(k))
            for e in entries
        ]
        return ", ".join(n for n in names if n) or None
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _container_of(path: Path) -> str:
    with path.open("rb") as fh:
        return _container_for(fh.read(16)) or "other"


# ---------------------------------------------------------------- fallback: locate and summarise


def _fallback(
    located: tuple[str, bytes] | None, format_error: C2paFormatError | None, problem: str | None
) -> C2paInfo | None:
    """The JUMBF summary, not validated; `problem` says why the library did not validate it."""
    if format_error is not None:
        raise format_error
    if located is None:
        return None
    info = summarise_manifest_store(located[1], located[0])
    if problem:
        info.validation_problems.append(problem)
    return info


def _container_for(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8"):
        return "jpeg-app11"
    if head.startswith(b"\x89PNG"):
        return "png-cabx"
    if head[4:8] == b"ftyp":
        return "bmff-uuid"
    if head.startswith(b"RIFF"):
        return "riff-c2pa"
    if head[4:8] == b"jumb":  # a sidecar .c2pa file: the manifest store alone
        return "sidecar"
    return None


def locate_manifest_store(path: Path) -> tuple[str, bytes] | None:
    """(container, manifest store bytes) embedded in a JPEG, PNG, BMFF or RIFF file or a sidecar."""
    with path.open("rb") as fh:
        container = _container_for(fh.read(16))
        fh.seek(0)
        size = path.stat().st_size
        if container == "jpeg-app11":
            found = _jpeg_jumbf(fh)
        elif container == "png-cabx":
            found = _png_jumbf(fh)
        elif container == "bmff-uuid":
            found = _bmff_jumbf(fh, size)
        elif container == "riff-c2pa":
            found = _riff_jumbf(fh, size)
        elif container == "sidecar":
            if size > MAX_STORE_BYTES:
                raise C2paFormatError("sidecar manifest store too large")
            found = fh.read()
        else:
            return None
    return None if found is None or container is None else (container, found)


def _read_exact(fh: BinaryIO, length: int) -> bytes:
    data = fh.read(length)
    if len(data) != length:
        raise C2paFormatError("file ends inside a metadata segment")
    return data


def _jpeg_jumbf(fh: BinaryIO) -> bytes | None:
    """Reassemble the JUMBF carried in JPEG APP11 segments (ISO 19566-5 / JPEG XT packets)."""
    fh.read(2)
    packets: dict[int, list[tuple[int, bytes]]] = {}
    while True:
        marker = fh.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            break
        code = marker[1]
        if code in (0xD9, 0xDA):  # end of image, start of scan: no more metadata segments
            break
        if 0xD0 <= code <= 0xD7 or code == 0x01:
            continue
        raw_len = fh.read(2)
        if len(raw_len) < 2:
            break
        length = struct.unpack(">H", raw_len)[0]
        if length < 2:
            break
        body = fh.read(length - 2)
        if code == 0xEB and body[:2] == b"JP" and len(body) >= 16:
            instance = struct.unpack(">H", body[2:4])[0]
            sequence = struct.unpack(">I", body[4:8])[0]
            packets.setdefault(instance, []).append((sequence, body[8:]))
    for parts in packets.values():
        parts.sort()
        first = parts[0][1]
        if first[4:8] != b"jumb":
            continue
        header = 16 if struct.unpack(">I", first[:4])[0] == 1 else 8
        # Each later packet repeats the box header; only the first one keeps it.
        data = first + b"".join(part[header:] for _, part in parts[1:])
        if _is_c2pa_store(data):
            return data
    return None


def _png_jumbf(fh: BinaryIO) -> bytes | None:
    fh.seek(8)
    while True:
        header = fh.read(8)
        if len(header) < 8:
            return None
        length, kind = struct.unpack(">I4s", header)
        if kind == b"caBX":
            if length > MAX_STORE_BYTES:
                raise C2paFormatError(f"caBX chunk of {length} bytes")
            return _read_exact(fh, length)
        if kind == b"IEND":
            return None
        fh.seek(length + 4, 1)


def _bmff_jumbf(fh: BinaryIO, size: int) -> bytes | None:
    # The one top-level box walker lives with the video reader; imported here because
    # metadata imports this module.
    from gawah.vault.metadata import _bmff_boxes

    for kind, start, length in _bmff_boxes(fh, size):
        if kind != "uuid" or length < 32:
            continue
        fh.seek(start)
        head = fh.read(32)
        header = 16 if struct.unpack(">I", head[:4])[0] == 1 else 8
        fh.seek(start + header)
        if fh.read(16) != C2PA_BMFF_UUID:
            continue
        if length > MAX_STORE_BYTES:
            raise C2paFormatError(f"C2PA box of {length} bytes")
        body = _read_exact(fh, length - header - 16)
        # version and flags (4 bytes), then a NUL-terminated purpose, then for "manifest" an offset.
        purpose_end = body.find(b"\x00", 4)
        if purpose_end < 0:
            raise C2paFormatError("C2PA box without a purpose string")
        if body[4:purpose_end] != b"manifest":
            continue
        return body[purpose_end + 1 + 8 :]
    return None


def _riff_jumbf(fh: BinaryIO, size: int) -> bytes | None:
    offset = 12
    while offset + 8 <= size:
        fh.seek(offset)
        kind, length = struct.unpack("<4sI", fh.read(8))
        if kind == b"C2PA":
            if length > MAX_STORE_BYTES:
                raise C2paFormatError(f"C2PA chunk of {length} bytes")
            return _read_exact(fh, length)
        offset += 8 + length + (length & 1)
    return None


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each ISO BMFF-style box in `data` (JUMBF uses the same framing)."""
    offset = 0
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if length == 1:
            if offset + 16 > len(data):
                raise C2paFormatError("box header cut short")
            length = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
            header = 16
        elif length == 0:
            length = len(data) - offset
        if length < header or offset + length > len(data):
            raise C2paFormatError(f"box '{kind.decode('latin-1')}' runs past its parent")
        yield kind, data[offset + header : offset + length]
        offset += length


@dataclass
class _Jumbf:
    label: str
    uuid: bytes
    children: list[_Jumbf]
    content: list[tuple[bytes, bytes]]


def _parse_jumbf(payload: bytes, depth: int = 0) -> _Jumbf:
    if depth > 16:
        raise C2paFormatError("JUMBF nested too deeply")
    boxes = list(_boxes(payload))
    if not boxes or boxes[0][0] != b"jumd":
        raise C2paFormatError("JUMBF superbox without a description box")
    desc = boxes[0][1]
    if len(desc) < 17:
        raise C2paFormatError("JUMBF description box cut short")
    uuid, toggles = desc[:16], desc[16]
    label = ""
    if toggles & 0x02:
        end = desc.find(b"\x00", 17)
        label = desc[17 : end if end >= 0 else len(desc)].decode("utf-8", "replace")
    node = _Jumbf(label, uuid, [], [])
    for kind, body in boxes[1:]:
        if kind == b"jumb":
            node.children.append(_parse_jumbf(body, depth + 1))
        else:
            node.content.append((kind, body))
    return node


def _is_c2pa_store(data: bytes) -> bool:
    try:
        boxes = list(_boxes(data))
        if not boxes or boxes[0][0] != b"jumb":
            return False
        store = _parse_jumbf(boxes[0][1])
    except C2paFormatError:
        return False
    return store.label == "c2pa" or store.uuid == C2PA_STORE_UUID


def summarise_manifest_store(data: bytes, container: str) -> C2paInfo:
    """Manifest count, active manifest and its claim (generator, title, assertions); not validated."""
    boxes = list(_boxes(data))
    if not boxes or boxes[0][0] != b"jumb":
        raise C2paFormatError("no JUMBF superbox")
    store = _parse_jumbf(boxes[0][1])
    if store.label != "c2pa" and store.uuid != C2PA_STORE_UUID:
        raise C2paFormatError(f"JUMBF box labelled {store.label!r}, not a C2PA manifest store")
    info = C2paInfo(container=container, store_bytes=len(data), manifest_count=len(store.children))
    if not store.children:
        return info
    active = store.children[-1]  # the last manifest added is the active one
    info.active_manifest = active.label or None
    for part in active.children:
        if part.label.startswith("c2pa.claim"):
            claim = next((decode_cbor(body) for kind, body in part.content if kind == b"cbor"), None)
            if isinstance(claim, dict):
                _apply_claim(claim, info)
        elif part.label.startswith("c2pa.signature"):
            info.signature_present = True
        elif part.label == "c2pa.assertions":
            info.assertions = [child.label for child in part.children if child.label][:MAX_LISTED]
    return info


def _apply_claim(claim: dict[Any, Any], info: C2paInfo) -> None:
    info.claim_generator = _generator(claim.get("claim_generator"), claim.get("claim_generator_info"))
    info.claim_title = _text(claim.get("dc:title"))
    info.claim_format = _text(claim.get("dc:format"))
    if not info.assertions:
        refs = claim.get("assertions") or claim.get("created_assertions") or []
        if isinstance(refs, list):
            labels = [str(r.get("url", "")).rsplit("/", 1)[-1] for r in refs if isinstance(r, dict)]
            info.assertions = [label for label in labels if label][:MAX_LISTED]


def decode_cbor(data: bytes) -> Any:
    """One CBOR item (RFC 8949) by cbor2, depth-limited; tags keep their inner value."""
    try:
        return cbor2.loads(data, tag_hook=_tag_value, max_depth=MAX_CBOR_DEPTH)
    except (cbor2.CBORError, ValueError, TypeError, RecursionError) as exc:
        raise C2paFormatError(f"claim is not valid CBOR: {exc}") from exc


def _tag_value(tag: cbor2.CBORTag, _immutable: bool) -> Any:
    """Tags C2PA does not need (URIs, dates) keep their inner value."""
    return tag.value
