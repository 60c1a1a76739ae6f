"""The `gawah` command line: a thin layer over the packages (no business rules here)."""

from __future__ import annotations

import importlib

import typer

from gawah.cli.common import console, fail
from gawah.security.commands import guard_commands

app = typer.Typer(
    name="gawah",
    help="Gawah (گواه, witness): preserve, extract, register and count human-rights violations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

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

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)

# Every command asks the policy before it runs (gawah.security.commands.COMMAND_ACTIONS).
guard_commands(app)


def main() -> None:
    app()


__all__ = ["app", "console", "fail", "main"]
