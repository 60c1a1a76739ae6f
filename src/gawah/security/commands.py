"""The command line asks the same policy: each command names its action, checked before it runs.

Who is asking: the account named by `GAWAH_TOKEN` (an API token, with its scopes) or `GAWAH_USER`
(an account of the workspace), else the local operator, who holds the workspace folder and its
keys and so acts as administrator. `GAWAH_USER` is for working within a role (and being audited
under one's name), not a defence against whoever can already read the folder. A refused command
exits with status 3 and its refusal is written to the audit trail.
"""

from __future__ import annotations

import functools
import getpass
import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from gawah.config import WorkspaceError, resolve_workspace_dir
from gawah.security.policy import Action, Principal, authorize
from gawah.store.vocab import Role

if TYPE_CHECKING:
    from gawah.workspace import Workspace

# The accounts, the audit trail and the database are imported only when a command needs them (a
# named user or token, a refusal, a confidential read): the local operator's commands, such as
# `gawah stats`, start without them.

USER_ENV = "GAWAH_USER"
TOKEN_ENV = "GAWAH_TOKEN"
REASON_ENV = "GAWAH_REASON"
DENIED_EXIT = 3
ACTION_ATTRIBUTE = "gawah_action"

# Every command and the action it needs. A command missing here cannot be guarded, and
# tests/security/test_commands.py fails until it is added. Commands that print records without
# filtering them by confidentiality need the confidential read; those that filter (`reader_levels`)
# need only the read, and show each caller the levels the policy lets them see.
COMMAND_ACTIONS: dict[str, Action] = {
    "init": Action.WORKSPACE_ADMIN,
    "db upgrade": Action.WORKSPACE_ADMIN,
    "db downgrade": Action.WORKSPACE_ADMIN,
    "db current": Action.WORKSPACE_ADMIN,
    "serve": Action.WORKSPACE_ADMIN,
    "demo": Action.WORKSPACE_ADMIN,
    "ingest": Action.EVIDENCE_INGEST,
    "capture": Action.EVIDENCE_INGEST,
    "extract": Action.FACT_EXTRACT,
    "verify": Action.EVIDENCE_VERIFY,
    "documents list": Action.DOCUMENT_READ,
    "documents show": Action.DOCUMENT_READ,
    "evidence list": Action.DOCUMENT_READ_CONFIDENTIAL,
    "evidence custody": Action.DOCUMENT_READ_CONFIDENTIAL,
    "evidence record": Action.EVIDENCE_CUSTODY,
    "evidence prove": Action.EVIDENCE_VERIFY,
    "evidence similar": Action.DOCUMENT_READ_CONFIDENTIAL,
    "evidence assess": Action.EVIDENCE_CUSTODY,
    "evidence assessments": Action.DOCUMENT_READ_CONFIDENTIAL,
    "evidence statement": Action.EVIDENCE_CUSTODY,
    "evidence statements": Action.DOCUMENT_READ_CONFIDENTIAL,
    "evidence withdraw-consent": Action.EVIDENCE_CUSTODY,
    "evidence fixity": Action.EVIDENCE_CUSTODY,
    "replicate": Action.WORKSPACE_ADMIN,
    "bundle export": Action.EVIDENCE_EXPORT,
    "bundle verify": Action.EVIDENCE_VERIFY,
    "timestamp run": Action.EVIDENCE_CUSTODY,
    "timestamp status": Action.EVIDENCE_VERIFY,
    "timestamp verify": Action.EVIDENCE_VERIFY,
    "link dedupe": Action.ANALYSIS_RUN,
    "search": Action.DOCUMENT_READ,
    "review list": Action.INCIDENT_REVIEW,
    "review accept": Action.INCIDENT_REVIEW,
    "review reject": Action.INCIDENT_REVIEW,
    "review edit": Action.INCIDENT_REVIEW,
    "review split": Action.INCIDENT_REVIEW,
    "review attach": Action.INCIDENT_REVIEW,
    "incidents list": Action.DOCUMENT_READ,
    "incidents show": Action.DOCUMENT_READ,
    "incidents stats": Action.DOCUMENT_READ_CONFIDENTIAL,
    "incidents same-event": Action.DOCUMENT_READ_CONFIDENTIAL,
    "incidents history": Action.DOCUMENT_READ_CONFIDENTIAL,
    "incidents merge": Action.INCIDENT_EDIT,
    "incidents unmerge": Action.INCIDENT_EDIT,
    "incidents refuse": Action.INCIDENT_EDIT,
    "incidents status": Action.INCIDENT_EDIT,
    "incidents grade-report": Action.INCIDENT_EDIT,
    "incidents restore": Action.INCIDENT_EDIT,
    "incidents bulk": Action.INCIDENT_EDIT,
    "units add": Action.INCIDENT_EDIT,
    "units edit": Action.INCIDENT_EDIT,
    "units relate": Action.INCIDENT_EDIT,
    "units unrelate": Action.INCIDENT_EDIT,
    "units assign": Action.INCIDENT_EDIT,
    "units list": Action.DOCUMENT_READ_CONFIDENTIAL,
    "units show": Action.DOCUMENT_READ_CONFIDENTIAL,
    "units chain": Action.DOCUMENT_READ_CONFIDENTIAL,
    "units responsible": Action.DOCUMENT_READ_CONFIDENTIAL,
    "sources grade": Action.INCIDENT_EDIT,
    "legal checklist": Action.DOCUMENT_READ_CONFIDENTIAL,
    "legal assess": Action.LEGAL_ASSESS,
    "estimate": Action.ANALYSIS_RUN,
    "stats": Action.ANALYSIS_RUN,
    "timeline": Action.ANALYSIS_RUN,
    "report": Action.ANALYSIS_RUN,
    # Public exports leave out confidential rows and identities; the widening flags are admin's.
    "export": Action.EVIDENCE_EXPORT,
    "import-events": Action.EVIDENCE_INGEST,
    "users add": Action.USER_MANAGE,
    "users list": Action.USER_MANAGE,
    "users passwd": Action.USER_MANAGE,
    "users disable": Action.USER_MANAGE,
    "users enable": Action.USER_MANAGE,
    "users totp": Action.USER_MANAGE,
    "users token": Action.USER_MANAGE,
    "users revoke-token": Action.USER_MANAGE,
    "users roles": Action.ACCOUNT_SELF,
    "audit list": Action.AUDIT_READ,
    "backup": Action.WORKSPACE_ADMIN,
    "restore": Action.WORKSPACE_ADMIN,
    "key change-passphrase": Action.WORKSPACE_ADMIN,
    "key seal": Action.WORKSPACE_ADMIN,
    "redact": Action.EVIDENCE_EXPORT,
    "persons add": Action.INCIDENT_EDIT,
    "persons list": Action.DOCUMENT_READ,
    "persons show": Action.DOCUMENT_READ_CONFIDENTIAL,
    "persons match": Action.INCIDENT_EDIT,
    "persons matches": Action.DOCUMENT_READ_CONFIDENTIAL,
    "persons decide": Action.INCIDENT_REVIEW,
    "cases open": Action.INCIDENT_EDIT,
    "cases list": Action.DOCUMENT_READ,
    "cases show": Action.DOCUMENT_READ_CONFIDENTIAL,
    "cases status": Action.INCIDENT_EDIT,
    "claims list": Action.DOCUMENT_READ,
    "claims show": Action.DOCUMENT_READ,
    "claims link": Action.INCIDENT_EDIT,
    "claims unlink": Action.INCIDENT_EDIT,
    "claims add": Action.INCIDENT_EDIT,
    "claims history": Action.DOCUMENT_READ_CONFIDENTIAL,
    "claims restore": Action.INCIDENT_EDIT,
    "cases intake-key": Action.WORKSPACE_ADMIN,
    "persons import-list": Action.INCIDENT_EDIT,
}

# The principal the running command was allowed for (set by `guarded`), so that a command's body
# does not open the workspace and look the account up a second time.
_RUNNING_AS: ContextVar[Principal | None] = ContextVar("gawah_running_as", default=None)

# Parameters that name the workspace a command works in, in the order they are looked for.
WORKSPACE_PARAMETERS = ("workspace", "directory")


class Refused(Exception):
    """The command may not run; the message says why."""


def local_operator() -> Principal:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "operator"
    return Principal(username=f"local:{login}"[:80], role=Role.ADMIN, channel="cli")


def _workspace_root(arguments: dict[str, Any]) -> Path:
    for name in WORKSPACE_PARAMETERS:
        value = arguments.get(name)
        if isinstance(value, Path):
            return value.expanduser().resolve()
    return resolve_workspace_dir(None)


def _open(root: Path) -> Workspace:
    from gawah.store.engine import DatabaseError
    from gawah.workspace import Workspace

    try:
        return Workspace.open(root, check_schema=False)
    except (WorkspaceError, DatabaseError) as exc:
        raise Refused(f"{USER_ENV}/{TOKEN_ENV} is set, but the workspace cannot be opened: {exc}") from exc


def cli_principal(arguments: dict[str, Any]) -> Principal:
    """The principal a command acts for, from the environment (see the module's docstring)."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    username = os.environ.get(USER_ENV, "").strip()
    if not token and not username:
        return local_operator()
    from gawah.security.accounts import find_user, principal_of
    from gawah.security.tokens import check_token
    from gawah.store.engine import transaction

    with _open(_workspace_root(arguments)) as ws, transaction(ws.sessions) as session:
        if token:
            check = check_token(session, token)
            if not check.ok or check.user is None or check.token is None:
                refusal = f"{TOKEN_ENV}: the token is {check.problem}"
            else:
                scopes = frozenset(Action(s) for s in check.token.scopes if s in set(Action))
                return principal_of(check.user, "cli", scopes)
        else:
            user = find_user(session, username)
            if user is not None and user.active:
                return principal_of(user, "cli")
            refusal = f"{USER_ENV}={username!r} names no active account in {ws.settings.root}"
    raise Refused(refusal)


def _audit(
    arguments: dict[str, Any], kind: str, principal: Principal, action: Action, detail: str
) -> None:
    """Write `kind` (an AuditKind value: access.denied or confidential.read) to the audit trail."""
    from gawah.security import audit
    from gawah.security.audit import AuditKind
    from gawah.store.engine import DatabaseError, transaction
    from gawah.workspace import Workspace

    try:
        ws = Workspace.open(_workspace_root(arguments), check_schema=True)
    except (WorkspaceError, DatabaseError):
        return  # no workspace (e.g. `gawah init` of a new folder): nothing to write the event into
    outcome = "allowed" if AuditKind(kind) is AuditKind.CONFIDENTIAL_READ else "denied"
    with ws, transaction(ws.sessions) as session:
        audit.record(
            session,
            AuditKind(kind),
            outcome,
            principal,
            action=action,
            detail=detail,
            reason=os.environ.get(REASON_ENV, "") if outcome == "allowed" else "",
        )


def check_command(path: str, arguments: dict[str, Any]) -> Principal:
    """The principal of a command run, when the policy allows it; Refused (audited) otherwise."""
    action = COMMAND_ACTIONS.get(path)
    if action is None:
        raise Refused(f"`gawah {path}` has no action in the policy, so it may not run")
    try:
        principal = cli_principal(arguments)
    except Refused:
        anonymous = Principal("anonymous", None, channel="cli")
        _audit(arguments, "access.denied", anonymous, action, f"gawah {path}: credentials refused")
        raise
    decision = authorize(principal, action)
    if not decision.allowed:
        _audit(
            arguments, "access.denied", principal, decision.action, f"gawah {path}: {decision.why}"
        )
        raise Refused(f"not allowed: {decision.why}")
    if action is Action.DOCUMENT_READ_CONFIDENTIAL:
        # These commands print records of every level: an access to confidential data, audited
        # with the reason given in GAWAH_REASON.
        _audit(arguments, "confidential.read", principal, action, f"gawah {path}")
    return principal


def reader_levels(workspace: Path | None, command: str) -> tuple[str, ...]:
    """The confidentiality levels a listing command shows its caller: those the policy lets them
    see, as on the web. Showing confidential records is a confidential read, audited with the reason
    given in GAWAH_REASON (as for the commands that need that right)."""
    from gawah.security.policy import visible_levels
    from gawah.store.vocab import Confidentiality

    arguments: dict[str, Any] = {"workspace": workspace}
    principal = _RUNNING_AS.get() or cli_principal(arguments)
    levels = visible_levels(principal)
    if Confidentiality.CONFIDENTIAL.value in levels:
        read = Action.DOCUMENT_READ_CONFIDENTIAL
        _audit(arguments, "confidential.read", principal, read, f"gawah {command}")
    return levels


def guarded(path: str, body: Callable[..., Any]) -> Callable[..., Any]:
    """`body` behind the policy check of command `path` (its signature kept for Typer)."""

    @functools.wraps(body)
    def command(*args: Any, **kwargs: Any) -> Any:
        try:
            principal = check_command(path, kwargs)
        except Refused as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(DENIED_EXIT) from None
        running = _RUNNING_AS.set(principal)
        try:
            return command.body(*args, **kwargs)  # type: ignore[attr-defined]
        finally:
            _RUNNING_AS.reset(running)

    command.body = body  # type: ignore[attr-defined]
    setattr(command, ACTION_ATTRIBUTE, COMMAND_ACTIONS.get(path))
    return command


def command_paths(app: typer.Typer, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Each registered command of `app` as (path, its CommandInfo), groups walked through."""
    for info in app.registered_commands:
        if info.callback is None:
            continue
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        yield " ".join((*prefix, name)), info
    for group in app.registered_groups:
        if group.typer_instance is not None:
            group_name = group.name or group.typer_instance.info.name
            if isinstance(group_name, str):
                yield from command_paths(group.typer_instance, (*prefix, group_name))


def guard_commands(app: typer.Typer) -> None:
    """Put every command of `app` behind `check_command` (once; registering twice is harmless)."""
    for path, info in command_paths(app):
        if info.callback is not None and not hasattr(info.callback, "body"):
            info.callback = guarded(path, info.callback)
