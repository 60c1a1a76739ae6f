"""The `gawah` command line: a thin layer over the packages (no business rules here)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from gawah.cli.common import console, fail
from gawah.security.commands import guard_commands

HELP = "Gawah (گواه, witness): preserve, extract, register and count human-rights violations."

# Each module adds its commands through `register(app)`; one module per area of the flow.
COMMAND_MODULES = (
    "gawah.cli.workspace",
    "gawah.cli.documents",
    "gawah.cli.extract",
    "gawah.cli.registry",
    "gawah.cli.claims",
    "gawah.cli.command",
    "gawah.cli.evidence",
    "gawah.cli.capture",
    "gawah.cli.bundle",
    "gawah.cli.timestamp",
    "gawah.cli.link",
    "gawah.cli.estimate",
    "gawah.cli.stats",
    "gawah.cli.report",
    "gawah.cli.export",
    "gawah.cli.persons",
    "gawah.cli.web",
    "gawah.cli.demo",
    "gawah.cli.users",
    "gawah.cli.backup",
    "gawah.cli.redact",
    "gawah.cli.vault_replicas",
)

# The modules that add to each top-level command or group, so that `gawah stats` loads the
# statistics and not the browser, the web server and record linkage (start-up time). A test
# checks that each entry gives the same commands as the whole application.
COMMAND_HOMES: dict[str, tuple[str, ...]] = {
    "init": ("gawah.cli.workspace",),
    "db": ("gawah.cli.workspace",),
    "ingest": ("gawah.cli.documents",),
    "documents": ("gawah.cli.documents",),
    "extract": ("gawah.cli.extract",),
    "review": ("gawah.cli.registry",),
    "incidents": ("gawah.cli.registry", "gawah.cli.command"),
    "sources": ("gawah.cli.registry",),
    "legal": ("gawah.cli.registry",),
    "search": ("gawah.cli.registry",),
    "claims": ("gawah.cli.claims",),
    "units": ("gawah.cli.command",),
    "evidence": ("gawah.cli.evidence", "gawah.cli.vault_replicas"),
    "verify": ("gawah.cli.evidence",),
    "capture": ("gawah.cli.capture",),
    "bundle": ("gawah.cli.bundle",),
    "timestamp": ("gawah.cli.timestamp",),
    "link": ("gawah.cli.link",),
    "estimate": ("gawah.cli.estimate",),
    "stats": ("gawah.cli.stats",),
    "timeline": ("gawah.cli.stats",),
    "report": ("gawah.cli.report",),
    "export": ("gawah.cli.export",),
    "import-events": ("gawah.cli.export",),
    "persons": ("gawah.cli.persons",),
    "cases": ("gawah.cli.persons",),
    "serve": ("gawah.cli.web",),
    "demo": ("gawah.cli.demo",),
    "users": ("gawah.cli.users",),
    "audit": ("gawah.cli.users",),
    "backup": ("gawah.cli.backup",),
    "restore": ("gawah.cli.backup",),
    "key": ("gawah.cli.backup",),
    "redact": ("gawah.cli.redact",),
    "replicate": ("gawah.cli.vault_replicas",),
}


def build_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The command line with the commands of `modules` (all by default), each behind the policy."""
    application = typer.Typer(
        name="gawah", help=HELP, no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False
    )
    for name in sorted(set(modules), key=COMMAND_MODULES.index):
        importlib.import_module(name).register(application)
    # Always a group, even when the modules add a single command: otherwise Typer would run that
    # command as the whole program, and `gawah demo` would refuse its own name as an extra argument.
    application.callback()(_root)
    # Every command asks the policy before it runs (gawah.security.commands.COMMAND_ACTIONS).
    guard_commands(application)
    return application


def _root() -> None:
    """Gawah (گواه, witness): preserve, extract, register and count human-rights violations."""


_whole: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    # `gawah.cli.app`, the whole command line, is built on first use (tests, documentation).
    global _whole
    if name == "app":
        if _whole is None:
            _whole = build_app()
        return _whole
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """The `gawah` console script: loads only the modules of the command asked for."""
    first = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    homes = COMMAND_HOMES.get(first) if first else None
    build_app(homes if homes else COMMAND_MODULES)()


__all__ = ["COMMAND_HOMES", "COMMAND_MODULES", "app", "build_app", "console", "fail", "main"]
