"""`gawah capture URL`: preserve a web page as WACZ and keep it in the workspace with its custody."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    fail,
    open_workspace,
    print_json,
)


def capture(
    url: Annotated[str, typer.Argument(help="The page to capture (http or https).")],
    workspace: WorkspaceOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also keep the WACZ here (a .wacz file or a folder)."),
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Who captures (default: the system user).")] = None,
    store: Annotated[
        bool,
        typer.Option("--store/--no-store", help="Keep the capture in the workspace, or only write --out."),
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the page.")] = 60.0,
    chromium: Annotated[
        Path | None,
        typer.Option(help="Chromium executable (default: $GAWAH_CHROMIUM, else /usr/bin/chromium)."),
    ] = None,
    strict_tls: Annotated[
        bool,
        typer.Option(help="Refuse pages whose certificate does not verify (default: capture and record it)."),
    ] = False,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Capture a page with headless Chromium as WACZ: WARC records, rendered HTML, screenshot, TLS details."""
    from gawah.capture import BrowserSettings, CaptureError, capture_page, preserve_capture
    from gawah.ingest.pipeline import _current_user

    if not store and out is None:
        fail("--no-store needs --out: the capture must be kept somewhere")
    capturer = actor or _current_user()
    settings = BrowserSettings(chromium=chromium, timeout_s=timeout, ignore_https_errors=not strict_tls)
    scratch = Path(tempfile.mkdtemp(prefix="gawah-capture-"))
    try:
        target = out if out is not None else scratch
        try:
            with console.status(f"Capturing {url}", spinner="dots"):
                result = capture_page(url, target, capturer, settings)
        except CaptureError as exc:
            fail(str(exc), 1)
        report: dict[str, Any] = {
            "url": url,
            "final_url": result.capture.final_url,
            "wacz": str(result.wacz) if out is not None else None,
            "title": result.title,
            "responses": len(result.capture.exchanges),
            "warc_records": len(result.records),
            "started_at": result.capture.details()["started_at"],
            "tools": result.capture.tools.as_dict(),
            "tls": None
            if result.capture.tls is None
            else {
                "protocol": result.capture.tls.protocol,
                "cipher": result.capture.tls.cipher,
                "verified": result.capture.tls.verified,
                "verify_error": result.capture.tls.verify_error,
            },
            "warnings": result.capture.warnings,
        }
        if store:
            from gawah.registry.candidates import store_candidates_hook

            with open_workspace(workspace) as ws:
                preserved = preserve_capture(
                    ws.sessions,
                    ws.blobs,
                    result,
                    actor=capturer,
                    on_document=store_candidates_hook,
                )
                checkpoint = ws.sign_checkpoint()
            report["stored"] = preserved.as_dict()
            report["checkpoint_size"] = checkpoint.tree_size if checkpoint is not None else None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    if output is OutputFormat.JSON:
        print_json(report)
    else:
        _print_report(report)
    if store and report["stored"]["status"] == "failed":
        raise typer.Exit(1)


def _print_report(report: dict[str, Any]) -> None:
    console.print(f"Captured [bold]{report['final_url']}[/] — {report['title']}", highlight=False)
    console.print(
        f"{report['responses']} responses, {report['warc_records']} WARC records, at {report['started_at']}"
    )
    tls = report["tls"]
    if tls is not None:
        state = "verified" if tls["verified"] else f"[yellow]not verified[/]: {tls['verify_error']}"
        console.print(f"TLS {tls['protocol']} {tls['cipher']}; certificate {state}", highlight=False)
    if report["wacz"]:
        console.print(f"WACZ: {report['wacz']}")
    stored = report.get("stored")
    if stored:
        console.print(
            f"Stored as evidence item {stored['evidence_item_id']} (sha256 {stored['sha256']}), "
            f"document {stored['document_id']}, screenshot item {stored['screenshot_item_id']}: "
            f"{stored['status']}" + (f" ({stored['message']})" if stored["message"] else ""),
            highlight=False,
        )
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(capture)
