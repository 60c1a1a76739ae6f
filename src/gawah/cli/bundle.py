"""`gawah bundle export|verify`: court bundles a court can check with Python alone."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from gawah.cli.common import WorkspaceOption, console, fail, open_workspace
from gawah.ledger import verifier
from gawah.ledger.bundle import BundleError, check_bundle, export_bundle

bundle_app = typer.Typer(
    help="Court bundles: evidence files with metadata, custody and ledger proofs, verifiable offline.",
    no_args_is_help=True,
)


@bundle_app.command("export")
def export(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The bundle to write, FILE.zip (never overwritten).")
    ],
    items: Annotated[
        list[str] | None,
        typer.Argument(metavar="ITEM", help="Evidence item ids or SHA-256 prefixes (8+ characters)."),
    ] = None,
    incident: Annotated[
        int | None, typer.Option(help="Also export all evidence of this incident (through its documents).")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Who exports (default: the system user).")] = None,
    place: Annotated[str | None, typer.Option(help="Where the export is made.")] = None,
    notes: Annotated[str, typer.Option(help="Why, or for whom (recorded in custody).")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Write one zip of evidence for a court; the export is recorded in each item's custody."""
    with open_workspace(workspace) as ws:
        try:
            result = export_bundle(
                ws,
                out,
                items or [],
                incident_id=incident,
                actor=actor or getpass.getuser(),
                place=place,
                notes=notes,
            )
        except BundleError as exc:
            fail(str(exc))
    console.print(
        f"Wrote {result.path} ({result.size_bytes:,} bytes): {result.items} evidence item(s), "
        f"{result.files} files, proved against the checkpoint of {result.tree_size} entries; "
        f"recorded {len(result.export_events)} 'exported' custody event(s).",
        highlight=False,
    )
    console.print(
        f"Public key fingerprint (SHA-256): {result.key_fingerprint}: publish it apart from the bundle.",
        highlight=False,
    )


@bundle_app.command("verify")
def verify(
    bundle: Annotated[Path, typer.Argument(help="The bundle zip.", exists=True, dir_okay=False)],
    key: Annotated[
        Path | None,
        typer.Option(help="The workspace's published public key (PEM); default: the key in the bundle."),
    ] = None,
) -> None:
    """Check every file, proof and signature of a bundle; exit 1 naming each failure."""
    verifier_key = None
    if key is not None:
        try:
            verifier_key = verifier.load_verifier_key(key.read_bytes())
        except (OSError, verifier.VerificationError) as exc:
            fail(f"--key {key}: {exc}")
        console.print(f"NOTE  public key SHA-256 fingerprint {verifier_key.fingerprint()}", highlight=False)
    result = check_bundle(bundle, verifier_key)
    for line in result.lines:
        style = "bold red" if line.startswith("FAIL") else "yellow" if line.startswith("WARN") else None
        console.print(line, style=style, highlight=False, soft_wrap=True)
    if result.ok:
        console.print(f"{bundle.name}: the bundle verifies", style="green", highlight=False)
    else:
        failures = sum(1 for line in result.lines if line.startswith("FAIL"))
        console.print(f"{bundle.name}: {failures} check(s) failed", style="bold red", highlight=False)
    raise typer.Exit(result.status)


def register(app: typer.Typer) -> None:
    app.add_typer(bundle_app, name="bundle")
