"""Trusted time: RFC 3161 timestamps over checkpoints from authorities started by the test itself.

Covers stamping after a checkpoint is signed, queueing while an authority is down and stamping
when it returns, two authorities, refusal of wrong, changed or badly certified tokens (at receipt
and later, offline), verification as of genTime, and tokens in a court bundle checked offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from asn1crypto import tsp
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from rfc3161_client import VerifierBuilder, decode_timestamp_response
from sqlalchemy import select, update
from tests.ledger.tsa import EPOCH, POLICY, LocalTSA, TsaPKI, free_port
from typer.testing import CliRunner

from gawah.cli.timestamp import register
from gawah.config import WorkspaceError, load_settings
from gawah.ingest.pipeline import Ingestor
from gawah.ledger import verifier
from gawah.ledger.bundle import BundleError, check_bundle, export_bundle
from gawah.ledger.timestamp import (
    FAILED,
    PENDING,
    STAMPED,
    AuthorityUnreachable,
    post_request,
    stamp_pending,
    verify_tokens,
)
from gawah.ledger.verifier import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_SIGNATURE_UNCHECKED,
    VerificationError,
    timestamp_imprint,
    verify_timestamp_response,
    write_canonical_zip,
)
from gawah.store.engine import transaction
from gawah.store.models import Checkpoint, TimestampToken
from gawah.verification import verify_workspace
from gawah.workspace import Workspace

ACTOR = "Analyst Roya Sadat"  # invented


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture(scope="module")
def pki() -> TsaPKI:
    return TsaPKI.create("Kabul Test")


@pytest.fixture(scope="module")
def pki_b() -> TsaPKI:
    return TsaPKI.create("Herat Test", rsa_keys=True)


@pytest.fixture
def authority(pki: TsaPKI) -> Iterator[LocalTSA]:
    tsa = LocalTSA(pki).start()
    yield tsa
    tsa.stop()


@pytest.fixture
def authority_b(pki_b: TsaPKI) -> Iterator[LocalTSA]:
    tsa = LocalTSA(pki_b).start()
    yield tsa
    tsa.stop()


def configure(ws: Workspace, authorities: list[tuple[str, TsaPKI | None]], **options: float) -> Workspace:
    """Add a [timestamp] table (anchors written as PEM files) and reopen the workspace."""
    root = ws.settings.root
    lines = ["", "[timestamp]", "authorities = [" + ", ".join(f'"{url}"' for url, _ in authorities) + "]"]
    lines += [f"{name} = {value}" for name, value in options.items()]
    lines.append("[timestamp.trust_anchors]")
    for number, (url, pki) in enumerate(authorities):
        if pki is not None:
            pki.write_root(root / "keys" / f"tsa-{number}.pem")
            lines.append(f'"{url}" = "keys/tsa-{number}.pem"')
    with (root / "gawah.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    ws.close()
    return Workspace.open(root)


def ingest(ws: Workspace, folder: Path) -> Checkpoint:
    Ingestor(ws.sessions, ws.blobs, actor="field-team").ingest([folder])
    checkpoint = ws.sign_checkpoint()
    assert checkpoint is not None
    return checkpoint


def tokens(ws: Workspace) -> list[TimestampToken]:
    with ws.sessions() as s:
        return list(s.scalars(select(TimestampToken).order_by(TimestampToken.id)))


def notes(ws: Workspace) -> dict[int, str]:
    with ws.sessions() as s:
        return {c.id: c.signed_note for c in s.scalars(select(Checkpoint))}


@pytest.fixture
def reports(fixtures_dir: Path) -> Path:
    return fixtures_dir / "reports"


# ---------------------------------------------------------------------------------------------
# Stamping


def test_a_signed_checkpoint_is_stamped_at_once(
    workspace: Workspace, authority: LocalTSA, pki: TsaPKI, reports: Path
) -> None:
    ws = configure(workspace, [(authority.url, pki)])
    try:
        checkpoint = ingest(ws, reports)
        [token] = tokens(ws)
        note = notes(ws)[checkpoint.id]
        assert token.status == STAMPED and token.checkpoint_id == checkpoint.id
        assert token.message_imprint == hashlib.sha256(note.encode("utf-8")).hexdigest()
        assert token.policy == POLICY and token.gen_time is not None and token.attempts == 1
        assert len(token.chain) == 2  # the TSA certificate, then the configured root
        assert base64.b64decode(token.chain[-1]) == pki.ca_cert.public_bytes(Encoding.DER)
        # The request asked for a nonce and the certificate.
        request = tsp.TimeStampReq.load(token.request)
        assert request["cert_req"].native is True and str(request["nonce"].native) == token.nonce

        # An independent implementation (rfc3161-client) accepts the stored token too.
        assert token.response is not None
        independent = VerifierBuilder().add_root_certificate(pki.ca_cert).nonce(int(token.nonce)).build()
        assert independent.verify_message(decode_timestamp_response(token.response), note.encode("utf-8"))

        report = verify_workspace(ws)
        assert report.ok, report.problems
        assert report.timestamps_checked == 1
    finally:
        ws.close()


def test_two_authorities_each_stamp_each_checkpoint(
    workspace: Workspace,
    authority: LocalTSA,
    authority_b: LocalTSA,
    pki: TsaPKI,
    pki_b: TsaPKI,
    reports: Path,
) -> None:
    ws = configure(workspace, [(authority.url, pki), (authority_b.url, pki_b)])
    try:
        ingest(ws, reports)
        stamped = tokens(ws)
        assert [t.status for t in stamped] == [STAMPED, STAMPED]
        assert {t.authority for t in stamped} == {authority.url, authority_b.url}
        checks = verify_tokens(ws.sessions(), ws.settings.timestamp)
        assert [c.ok for c in checks] == [True, True] and all(c.pinned for c in checks)
        assert authority.served == 1 and authority_b.served == 1
        # Nothing new to stamp: a second run sends nothing.
        again = stamp_pending(ws.sessions, ws.settings.timestamp)
        assert (again.queued, again.stamped, again.pending) == (0, 0, 0)
        assert authority.served == 1
    finally:
        ws.close()


def test_offline_requests_wait_and_are_stamped_when_the_authority_returns(
    workspace: Workspace, pki: TsaPKI, reports: Path, fixtures_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    down = LocalTSA(pki, port=port)
    ws = configure(workspace, [(down.url, pki)], auto_timeout=1)
    try:
        first = ingest(ws, reports)  # signing succeeds although the authority is down
        [waiting] = tokens(ws)
        assert waiting.status == PENDING and waiting.attempts == 1
        assert "cannot reach" in waiting.last_error
        second_folder = tmp_path / "more"
        second_folder.mkdir()
        (second_folder / "statement.txt").write_text("Invented witness statement, Balkh.\n", "utf-8")
        second = ingest(ws, second_folder)
        assert [(t.checkpoint_id, t.status) for t in tokens(ws)] == [
            (first.id, PENDING),
            (second.id, PENDING),
        ]

        runner, app = CliRunner(), _app()
        offline = runner.invoke(app, ["timestamp", "run", "--timeout", "1", "-w", str(ws.settings.root)])
        assert (
            offline.exit_code == 1 and "UNREACHABLE" in offline.output and "2 still waiting" in offline.output
        )

        down.start()
        try:
            online = runner.invoke(app, ["timestamp", "run", "-w", str(ws.settings.root)])
            assert online.exit_code == 0, online.output
            assert "2 stamped" in online.output
        finally:
            down.stop()
        assert [t.status for t in tokens(ws)] == [STAMPED, STAMPED]
        # Only real tries count: once an authority is unreachable, a pass stops asking it.
        assert [t.attempts for t in tokens(ws)] == [4, 1]
        status = runner.invoke(app, ["timestamp", "status", "-f", "json", "-w", str(ws.settings.root)])
        assert [r["status"] for r in json.loads(status.output)] == [STAMPED, STAMPED]
        verified = runner.invoke(app, ["timestamp", "verify", "-w", str(ws.settings.root)])
        assert verified.exit_code == 0 and "2 timestamp(s) checked, 0 failed" in verified.output
    finally:
        ws.close()


def test_post_request_names_an_unreachable_authority() -> None:
    with pytest.raises(AuthorityUnreachable, match="cannot reach"):
        post_request(f"http://127.0.0.1:{free_port()}/tsr", b"\x30\x00", 1)


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root."""

    return app


# ---------------------------------------------------------------------------------------------
# Refusals at receipt: a wrong or badly certified answer is never stored as a timestamp


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("wrong_nonce", "nonce"),
        ("wrong_imprint", "imprint"),
        ("flip_signature", "signature does not verify"),
        ("rejection", "refused the request"),
        ("garbage", "timestamp response"),
    ],
)
def test_a_wrong_answer_is_refused_and_kept_as_failed(
    workspace: Workspace, authority: LocalTSA, pki: TsaPKI, reports: Path, fault: str, reason: str
) -> None:
    authority.faults.add(fault)
    ws = configure(workspace, [(authority.url, pki)])
    try:
        ingest(ws, reports)
        [token] = tokens(ws)
        assert token.status == FAILED and reason in token.last_error and token.attempts == 1
        # A refused answer is asked for again only on request; then a good one is stamped.
        authority.faults.clear()
        assert stamp_pending(ws.sessions, ws.settings.timestamp).stamped == 0
        run = stamp_pending(ws.sessions, ws.settings.timestamp, retry_failed=True)
        assert run.stamped == 1 and tokens(ws)[0].status == STAMPED
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("make_pki", "reason"),
    [
        (lambda: TsaPKI.create("Expired", tsa_valid=(EPOCH, EPOCH + dt.timedelta(days=1))), "not valid"),
        (lambda: TsaPKI.create("Plain", eku=[]), "extended key usage"),
        (lambda: TsaPKI.create("Soft", eku_critical=False), "critical"),
        (
            lambda: TsaPKI.create(
                "Wide", eku=[ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.CODE_SIGNING]
            ),
            "alone",
        ),
    ],
    ids=["expired-at-genTime", "no-eku", "eku-not-critical", "eku-not-alone"],
)
def test_a_badly_certified_authority_is_refused(
    workspace: Workspace, reports: Path, make_pki: object, reason: str
) -> None:
    bad = make_pki()  # type: ignore[operator]
    tsa = LocalTSA(bad).start()
    ws = configure(workspace, [(tsa.url, bad)])
    try:
        ingest(ws, reports)
        [token] = tokens(ws)
        assert token.status == FAILED and reason in token.last_error, token.last_error
    finally:
        tsa.stop()
        ws.close()


def test_a_root_other_than_the_configured_anchor_is_refused(
    workspace: Workspace, authority: LocalTSA, pki_b: TsaPKI, reports: Path
) -> None:
    ws = configure(workspace, [(authority.url, pki_b)])  # the anchor of another authority
    try:
        ingest(ws, reports)
        [token] = tokens(ws)
        assert token.status == FAILED and "does not lead to the trust anchor" in token.last_error
    finally:
        ws.close()


def test_without_a_configured_anchor_the_sent_root_is_kept_and_reported_unpinned(
    workspace: Workspace, authority: LocalTSA, pki: TsaPKI, reports: Path
) -> None:
    ws = configure(workspace, [(authority.url, None)])
    try:
        ingest(ws, reports)
        [check] = verify_tokens(ws.sessions(), ws.settings.timestamp)
        assert check.ok and not check.pinned and "root not pinned" in check.detail
        root_sha = hashlib.sha256(pki.ca_cert.public_bytes(Encoding.DER)).hexdigest()
        assert root_sha in check.detail
    finally:
        ws.close()
    # An answer without the root, and no anchor to chain it to, cannot be accepted.
    authority.faults.add("no_root")
    with transaction(ws.sessions) as s:
        s.execute(update(TimestampToken).values(status=FAILED))
    ws = Workspace.open(ws.settings.root)
    try:
        run = stamp_pending(ws.sessions, ws.settings.timestamp, retry_failed=True)
        assert run.failed == 1 and "no trust anchor" in run.refused[0]
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------
# Offline verification, as of the token's time


def test_a_certificate_expired_now_but_valid_at_gen_time_still_verifies(
    workspace: Workspace, reports: Path
) -> None:
    old = TsaPKI.create("Old", tsa_valid=(EPOCH, EPOCH + dt.timedelta(days=30)))
    tsa = LocalTSA(old, clock=lambda: EPOCH + dt.timedelta(days=2)).start()
    ws = configure(workspace, [(tsa.url, old)])
    try:
        ingest(ws, reports)
        [token] = tokens(ws)
        assert token.status == STAMPED, token.last_error
        [check] = verify_tokens(ws.sessions(), ws.settings.timestamp)
        assert check.ok and check.gen_time == EPOCH + dt.timedelta(days=2)
        assert verify_workspace(ws).ok
    finally:
        tsa.stop()
        ws.close()


def test_changed_tokens_are_refused_offline(
    workspace: Workspace, authority: LocalTSA, pki: TsaPKI, pki_b: TsaPKI, reports: Path
) -> None:
    ws = configure(workspace, [(authority.url, pki)])
    try:
        ingest(ws, reports)
        [token] = tokens(ws)
        note = notes(ws)[token.checkpoint_id]
        response, nonce, chain = token.response, int(token.nonce), [base64.b64decode(c) for c in token.chain]
        assert response is not None and token.gen_time is not None
        imprint = timestamp_imprint(note)
        good = verify_timestamp_response(response, imprint=imprint, nonce=nonce, certificates=chain)
        assert good.gen_time == token.gen_time.replace(tzinfo=dt.UTC)

        parsed = verifier.parse_timestamp_response(response)
        tst_at = response.index(parsed.tst_info)
        changed = {
            "gen_time": _flip(response, response.index(b"Z", tst_at) - 1),
            "serial in TSTInfo": _flip(response, tst_at + len(parsed.tst_info) - 1),
            "signature": _flip(response, len(response) - 1),
        }
        for what, tampered in changed.items():
            with pytest.raises(VerificationError):
                verify_timestamp_response(tampered, imprint=imprint, nonce=nonce, certificates=chain)
                pytest.fail(f"a change of the {what} was not found")
        with pytest.raises(VerificationError, match="imprint"):
            verify_timestamp_response(
                response, imprint=timestamp_imprint(note + " "), nonce=nonce, certificates=chain
            )
        with pytest.raises(VerificationError, match="nonce"):
            verify_timestamp_response(response, imprint=imprint, nonce=nonce + 1, certificates=chain)
        with pytest.raises(VerificationError, match="trust anchor"):
            verify_timestamp_response(
                response,
                imprint=imprint,
                nonce=nonce,
                certificates=chain,
                anchors=[pki_b.ca_cert.public_bytes(Encoding.DER)],
            )

        # In the database: each change is reported by `gawah verify`.
        with transaction(ws.sessions) as s:
            s.execute(update(TimestampToken).values(nonce=str(nonce + 1)))
        report = verify_workspace(ws)
        assert any("nonce" in p.detail and p.what.startswith("timestamp #") for p in report.problems)
        with transaction(ws.sessions) as s:
            s.execute(update(TimestampToken).values(nonce=str(nonce), response=changed["signature"]))
        assert any("signature" in p.detail for p in verify_workspace(ws).problems)
        with transaction(ws.sessions) as s:
            s.execute(update(TimestampToken).values(response=response))
        assert verify_workspace(ws).ok
    finally:
        ws.close()
    # Pointing the configuration at another root makes every token fail.
    settings_file = ws.settings.root / "gawah.toml"
    pki_b.write_root(ws.settings.root / "keys" / "tsa-0.pem")
    ws = Workspace.open(settings_file.parent)
    try:
        [check] = verify_tokens(ws.sessions(), ws.settings.timestamp)
        assert not check.ok and "trust anchor" in check.detail
        result = CliRunner().invoke(_app(), ["timestamp", "verify", "-w", str(ws.settings.root)])
        assert result.exit_code == 1 and "FAIL" in result.output
    finally:
        ws.close()


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


# ---------------------------------------------------------------------------------------------
# Settings


def test_timestamp_settings_are_read_and_checked(tmp_path: Path, workspace: Workspace) -> None:
    root = workspace.settings.root
    workspace.close()
    base = (root / "gawah.toml").read_text(encoding="utf-8")

    def settings_with(table: str) -> object:
        (root / "gawah.toml").write_text(base + "\n" + table, encoding="utf-8")
        return load_settings(root)

    loaded = settings_with(
        '[timestamp]\nauthorities = ["https://tsa.example/a", "http://tsa.example/b"]\ntimeout = 4\n'
        '[timestamp.trust_anchors]\n"https://tsa.example/a" = "keys/a.pem"\n'
    )
    stamp = loaded.timestamp  # type: ignore[attr-defined]
    assert [a.url for a in stamp.authorities] == ["https://tsa.example/a", "http://tsa.example/b"]
    assert stamp.authorities[0].trust_anchor == root / "keys" / "a.pem"
    assert stamp.authorities[1].trust_anchor is None and stamp.timeout == 4.0
    assert "timestamp" not in loaded.extra  # type: ignore[attr-defined]
    for bad in (
        '[timestamp]\nauthorities = "https://tsa.example"\n',
        '[timestamp]\nauthorities = ["ftp://tsa.example"]\n',
        '[timestamp]\nauthorities = ["https://a.example", "https://a.example"]\n',
        '[timestamp]\nauthorities = ["https://a.example"]\ntimeout = 0\n',
        '[timestamp]\nauthorities = ["https://a.example"]\n[timestamp.trust_anchors]\n"https://b.example" = "x.pem"\n',
    ):
        with pytest.raises(WorkspaceError):
            settings_with(bad)
    assert settings_with("").timestamp.authorities == ()  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Court bundles


_BLOCKER = """
import importlib.abc, runpy, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {BLOCKED!r}:
            raise ImportError('blocked: ' + name)
        return None
sys.meta_path.insert(0, Block())
sys.argv = ['verifier.py'] + sys.argv[1:]
runpy.run_path('verifier.py', run_name='__main__')
"""


def _run_bundled_verifier(
    bundle: Path, folder: Path, *args: str, blocked: frozenset[str] = frozenset({"gawah"})
) -> subprocess.CompletedProcess[str]:
    """The verifier.py that travels in the bundle, run alone in a fresh interpreter."""
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(bundle) as archive:
        (folder / "verifier.py").write_bytes(archive.read("verifier.py"))
    code = _BLOCKER.replace("{BLOCKED!r}", repr(set(blocked)))
    return subprocess.run(
        [sys.executable, "-I", "-c", code, *args, str(bundle)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _rewrite(bundle: Path, out: Path, changes: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(bundle) as archive:
        members = [(n, archive.read(n)) for n in archive.namelist()]
    kept: list[tuple[str, Path | bytes]] = []
    for name, data in members:
        if name in changes:
            replacement = changes[name]
            if replacement is None:
                continue
            data = replacement
        kept.append((name, data))
    buffer = io.BytesIO()
    write_canonical_zip(buffer, kept)
    out.write_bytes(buffer.getvalue())
    return out


def test_bundle_carries_tokens_and_they_verify_offline(
    workspace: Workspace,
    authority: LocalTSA,
    authority_b: LocalTSA,
    pki: TsaPKI,
    pki_b: TsaPKI,
    reports: Path,
    tmp_path: Path,
) -> None:
    ws = configure(workspace, [(authority.url, pki), (authority_b.url, pki_b)])
    try:
        stamped = ingest(ws, reports)
        out = tmp_path / "case-ts.zip"
        result = export_bundle(ws, out, ["1"], actor=ACTOR)
        check = check_bundle(out)
        assert check.ok, check.lines
        token_files = [f"timestamps/checkpoint-{stamped.tree_size}-{n}.json" for n in (1, 2)]
        with zipfile.ZipFile(out) as archive:
            names = archive.namelist()
            index = json.loads(archive.read("bundle.json"))
            manifest = archive.read("manifest.html").decode("utf-8")
            token_doc = json.loads(archive.read(token_files[0]))
        assert names[-3:] == [*token_files, "timestamps/consistency.json"]
        assert index["timestamps"]["tree_size"] == stamped.tree_size
        assert [t["authority"] for t in index["timestamps"]["tokens"]] == [authority.url, authority_b.url]
        assert "third-party" in manifest and token_files[0] in manifest
        assert sum("lead to the trust anchor" in line for line in check.lines) == 2
        assert sum("extends the one it stamps" in line for line in check.lines) == 2
        # The export's own checkpoint is stamped right after, for later bundles.
        assert len(tokens(ws)) == 4 and {t.status for t in tokens(ws)} == {STAMPED}
        assert result.tree_size > stamped.tree_size

        # The bundled verifier, alone: with cryptography every token is checked ...
        alone = _run_bundled_verifier(out, tmp_path / "v1")
        assert alone.returncode == EXIT_OK, alone.stdout + alone.stderr
        assert alone.stdout.count("lead to the trust anchor") == 2
        assert (
            alone.stdout.count("root was taken from the bundle") == 2
        )  # roots from the bundle are not pinned
        # ... against the authorities' published roots when given ...
        roots = tmp_path / "roots.pem"
        roots.write_bytes(pki.root_pem() + pki_b.root_pem())
        pinned = _run_bundled_verifier(out, tmp_path / "v2", "--tsa-anchor", str(roots))
        assert pinned.returncode == EXIT_OK, pinned.stdout
        assert "root was taken from the bundle" not in pinned.stdout
        wrong = tmp_path / "wrong.pem"
        wrong.write_bytes(pki_b.root_pem())
        refused = _run_bundled_verifier(out, tmp_path / "v3", "--tsa-anchor", str(wrong))
        assert refused.returncode == EXIT_INVALID and "trust anchor" in refused.stdout
        # ... and without it, the hashes, imprint and nonce are checked and the rest is said plainly.
        bare = _run_bundled_verifier(out, tmp_path / "v4", blocked=frozenset({"gawah", "cryptography"}))
        assert bare.returncode == EXIT_SIGNATURE_UNCHECKED, bare.stdout + bare.stderr
        assert bare.stdout.count("timestamp not checked") == 2
        assert bare.stdout.count("nonce matches") == 2

        # A token file changed (its nonce) or the consistency proof removed: the bundle fails.
        changed = dict(token_doc, nonce=str(int(token_doc["nonce"]) + 1))
        edited = json.dumps(changed, indent=2, ensure_ascii=False, sort_keys=True).encode() + b"\n"
        broken = _rewrite(out, tmp_path / "nonce.zip", {token_files[0]: edited})
        failed = check_bundle(broken)
        assert not failed.ok and any("nonce" in line for line in failed.lines), failed.lines
        missing = check_bundle(_rewrite(out, tmp_path / "nolink.zip", {"timestamps/consistency.json": None}))
        assert not missing.ok
        assert any("not linked" in line for line in missing.lines), missing.lines

        # The token file alone, checked by name with the workspace key: a changed nonce is named.
        single = tmp_path / "single"
        single.mkdir()
        (single / "token.json").write_bytes(edited)
        lines: list[str] = []
        status = verifier.main(
            ["--key", str(ws.settings.public_key_path), str(single / "token.json")], lines.append
        )
        assert status == EXIT_INVALID and any("nonce" in line for line in lines), lines

        # A later export takes the tokens over the later, larger stamped checkpoint.
        later = export_bundle(ws, tmp_path / "case-ts-2.zip", ["1"], actor=ACTOR)
        assert check_bundle(later.path).ok
        with zipfile.ZipFile(later.path) as archive:
            assert json.loads(archive.read("bundle.json"))["timestamps"]["tree_size"] == result.tree_size
    finally:
        ws.close()


def test_bundle_without_timestamps_is_unchanged(workspace: Workspace, reports: Path, tmp_path: Path) -> None:
    ingest(workspace, reports)
    out = export_bundle(workspace, tmp_path / "plain.zip", ["1"], actor=ACTOR).path
    with zipfile.ZipFile(out) as archive:
        assert not [n for n in archive.namelist() if n.startswith("timestamps/")]
        assert json.loads(archive.read("bundle.json"))["timestamps"]["tokens"] == []
    assert check_bundle(out).ok


def test_a_damaged_response_is_a_failure_never_a_crash(authority: LocalTSA, pki: TsaPKI) -> None:
    from gawah.ledger.timestamp import new_request

    note = "gawah.local/test\n3\n" + base64.b64encode(bytes(32)).decode() + "\n\n— k AAAA\n"
    request, nonce = new_request(note)
    response = post_request(authority.url, request, 5)
    imprint, anchors = timestamp_imprint(note), [pki.ca_cert.public_bytes(Encoding.DER)]
    assert verify_timestamp_response(response, imprint=imprint, nonce=nonce, anchors=anchors)
    root = anchors[0]
    root_at = response.index(root)
    outside_root = []
    for position in range(len(response)):
        with pytest.raises(VerificationError):
            verify_timestamp_response(response[:position], imprint=imprint, nonce=nonce, anchors=anchors)
        try:
            verify_timestamp_response(
                _flip(response, position), imprint=imprint, nonce=nonce, anchors=anchors
            )
        except VerificationError:
            continue
        if not root_at <= position < root_at + len(root):
            outside_root.append(position)
    # Besides the unsigned copy of the root, only unsigned bookkeeping may change unnoticed: the
    # status granted/grantedWithMods, structure versions and the list of digest algorithms.
    assert len(outside_root) <= 32, outside_root


def test_an_unreadable_trust_anchor_stops_an_export_with_a_clear_error(
    workspace: Workspace, authority: LocalTSA, pki: TsaPKI, reports: Path, tmp_path: Path
) -> None:
    ws = configure(workspace, [(authority.url, pki)])
    try:
        ingest(ws, reports)
        (ws.settings.root / "keys" / "tsa-0.pem").unlink()
        with pytest.raises(BundleError, match="trust anchor"):
            export_bundle(ws, tmp_path / "no-anchor.zip", ["1"], actor=ACTOR)
        assert not (tmp_path / "no-anchor.zip").exists()
        assert any(p.what == "timestamp settings" for p in verify_workspace(ws).problems)
    finally:
        ws.close()
