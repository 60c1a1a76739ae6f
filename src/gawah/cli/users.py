"""`gawah users ...` and `gawah audit ...`: accounts, second factors, API tokens, the access audit.

Secrets (a generated password, a TOTP secret, an API token) are printed once, here, and never
stored or logged in the clear. Passwords are read from a hidden prompt or from standard input.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.cli.common import FormatOption, OutputFormat, WorkspaceOption, console, fail, open_workspace
from gawah.cli.common import print_json as emit_json
from gawah.security import audit, totp
from gawah.security.accounts import AccountError, add_user, enable_totp, find_user, set_active, set_password
from gawah.security.audit import AuditKind
from gawah.security.commands import cli_principal
from gawah.security.passwords import generate_password
from gawah.security.policy import Action, parse_scopes, roles_document, roles_table_markdown
from gawah.security.tokens import issue_token, revoke_token
from gawah.store.engine import transaction
from gawah.store.models import ApiToken, User
from gawah.store.vocab import Role

users_app = typer.Typer(help="User accounts, roles, second factors and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The access audit: sign-ins, refusals, reads of confidential data.")

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (one line).")
]
Generate = Annotated[bool, typer.Option("--generate", help="Generate a password and print it once.")]


def _read_password(from_stdin: bool, generate: bool) -> tuple[str, bool]:
    """The new password and whether it was generated (and so must be shown)."""
    if generate:
        return generate_password(), True
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False


def _user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        fail(f"no user {username!r}")
    return user


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Lower-case letters, digits, '.', '_' or '-'.")],
    role: Annotated[Role, typer.Option("--role", "-r", help="The account's role.")] = Role.VIEWER,
    display_name: Annotated[str, typer.Option(help="A name to show.")] = "",
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Add an account (asks for its password unless --generate or --password-stdin)."""
    password, generated = _read_password(password_stdin, generate)
    with open_workspace(workspace) as ws:
        actor = cli_principal({"workspace": workspace})
        try:
            with transaction(ws.sessions) as session:
                user = add_user(session, username, role, password, display_name=display_name)
                audit.record(
                    session,
                    AuditKind.USER_ADDED,
                    "success",
                    actor,
                    subject_type="user",
                    subject_id=user.id,
                    detail=f"{user.username} as {role.value}",
                )
        except AccountError as exc:
            fail(str(exc))
    console.print(f"Added user [bold]{user.username}[/] ({role.value}).", highlight=False)
    if generated:
        console.print(f"Password (shown once): {password}", highlight=False, soft_wrap=True)


@users_app.command("list")
def users_list(workspace: WorkspaceOption = None, output: FormatOption = OutputFormat.TABLE) -> None:
    """List the accounts: role, whether active, whether a second factor is set."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        users = list(session.scalars(select(User).order_by(User.username)))
    rows = [
        {
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "active": u.active,
            "two_factor": bool(u.totp_secret),
        }
        for u in users
    ]
    if output is OutputFormat.JSON:
        emit_json(rows)
        return
    table = Table("user", "name", "role", "active", "2FA")
    for row in rows:
        table.add_row(
            str(row["username"]),
            str(row["display_name"]),
            str(row["role"]),
            "yes" if row["active"] else "no",
            "yes" if row["two_factor"] else "no",
        )
    console.print(table)


@users_app.command("passwd")
def users_passwd(
    username: str,
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Set a new password (the account is signed out of every browser)."""
    password, generated = _read_password(password_stdin, generate)
    with open_workspace(workspace) as ws:
        actor = cli_principal({"workspace": workspace})
        try:
            with transaction(ws.sessions) as session:
                user = _user(session, username)
                set_password(session, user, password)
                audit.record(
                    session,
                    AuditKind.USER_PASSWORD_SET,
                    "success",
                    actor,
                    subject_type="user",
                    subject_id=user.id,
                )
        except AccountError as exc:
            fail(str(exc))
    console.print(f"Password of [bold]{username}[/] changed.", highlight=False)
    if generated:
        console.print(f"Password (shown once): {password}", highlight=False, soft_wrap=True)


def _set_active(username: str, active: bool, workspace: WorkspaceOption) -> None:
    with open_workspace(workspace) as ws:
        actor = cli_principal({"workspace": workspace})
        with transaction(ws.sessions) as session:
            user = _user(session, username)
            set_active(session, user, active)
            kind = AuditKind.USER_ENABLED if active else AuditKind.USER_DISABLED
            audit.record(session, kind, "success", actor, subject_type="user", subject_id=user.id)


@users_app.command("disable")
def users_disable(username: str, workspace: WorkspaceOption = None) -> None:
    """Disable an account: its sessions end and its API tokens are revoked."""
    _set_active(username, False, workspace)
    console.print(f"User [bold]{username}[/] disabled; sessions ended, tokens revoked.", highlight=False)


@users_app.command("enable")
def users_enable(username: str, workspace: WorkspaceOption = None) -> None:
    """Enable a disabled account again (its old tokens stay revoked)."""
    _set_active(username, True, workspace)
    console.print(f"User [bold]{username}[/] enabled.", highlight=False)


@users_app.command("totp")
def users_totp(
    username: str,
    off: Annotated[bool, typer.Option("--off", help="Remove the second factor instead.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Give an account a TOTP second factor: prints the secret and otpauth URI once."""
    with open_workspace(workspace) as ws:
        actor = cli_principal({"workspace": workspace})
        with transaction(ws.sessions) as session:
            user = _user(session, username)
            secret = None
            if off:
                user.totp_secret = None
            else:
                secret = enable_totp(user)
            audit.record(
                session,
                AuditKind.USER_TOTP_SET,
                "success",
                actor,
                subject_type="user",
                subject_id=user.id,
                detail="removed" if off else "set",
            )
        name = ws.settings.name
    if secret is None:
        console.print(f"Second factor of [bold]{username}[/] removed.", highlight=False)
        return
    console.print(f"Second factor set for [bold]{username}[/]. Add it to an authenticator app (shown once):")
    console.print(f"  secret: {secret}", highlight=False)
    console.print(
        f"  URI:    {totp.provisioning_uri(secret, username, name)}", highlight=False, soft_wrap=True
    )


@users_app.command("token")
def users_token(
    username: str,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", "-s", help="An action the token may do (repeat); default: document.read."),
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=366, help="Days until it expires.")] = 30,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Make an API token for an account: printed once; only its hash is kept."""
    try:
        scopes = parse_scopes(scope or [Action.DOCUMENT_READ.value])
    except ValueError as exc:
        fail(str(exc))
    with open_workspace(workspace) as ws:
        actor = cli_principal({"workspace": workspace})
        with transaction(ws.sessions) as session:
            user = _user(session, username)
            raw, token = issue_token(session, user, scopes, name=name, lifetime=dt.timedelta(days=days))
            audit.record(
                session,
                AuditKind.TOKEN_ISSUED,
                "success",
                actor,
                subject_type="api_token",
                subject_id=token.id,
                detail=f"for {user.username}: {', '.join(sorted(s.value for s in scopes))}; {days} days",
            )
            token_id, expires = token.id, token.expires_at
    console.print(f"Token #{token_id} for [bold]{username}[/], expires {expires:%Y-%m-%d %H:%M} UTC.")
    console.print("Use it as `Authorization: Bearer TOKEN`. Shown once:")
    typer.echo(raw)


@users_app.command("revoke-token")
def users_revoke_token(token_id: int, workspace: WorkspaceOption = None) -> None:
    """Revoke an API token by its number."""
    with open_workspace(workspace) as ws:
        actor = cli_principal({"workspace": workspace})
        with transaction(ws.sessions) as session:
            token: ApiToken | None = revoke_token(session, token_id)
            if token is None:
                fail(f"no token #{token_id}")
            audit.record(
                session,
                AuditKind.TOKEN_REVOKED,
                "success",
                actor,
                subject_type="api_token",
                subject_id=token_id,
            )
    console.print(f"Token #{token_id} revoked.")


@users_app.command("roles")
def users_roles(
    markdown: Annotated[bool, typer.Option("--markdown", help="The whole docs/roles.md.")] = False,
) -> None:
    """The table of role × action the policy applies."""
    typer.echo(roles_document() if markdown else roles_table_markdown())


@audit_app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="How many events, newest first.")] = 50,
    event: Annotated[list[str] | None, typer.Option(help="Only events of this kind (repeat).")] = None,
    actor: Annotated[str | None, typer.Option(help="Only events by this account.")] = None,
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """The newest audit events: who, what, when, why, from where, and the outcome."""
    kinds = event or []
    unknown = [k for k in kinds if k not in {a.value for a in AuditKind}]
    if unknown:
        fail(f"unknown event {unknown[0]!r}; one of {', '.join(a.value for a in AuditKind)}")
    with open_workspace(workspace) as ws, ws.sessions() as session:
        events = audit.recent_events(session, limit=limit, kinds=kinds, actor=actor)
    rows = [
        {
            "id": e.id,
            "at": e.occurred_at.isoformat(),
            "event": e.event,
            "outcome": e.outcome,
            "actor": e.actor,
            "channel": e.channel,
            "action": e.action,
            "subject": f"{e.subject_type} #{e.subject_id}" if e.subject_type else "",
            "reason": e.reason,
            "address": e.address,
            "detail": e.detail,
        }
        for e in events
    ]
    if output is OutputFormat.JSON:
        emit_json(rows)
        return
    table = Table("at", "event", "outcome", "actor", "channel", "subject", "reason", "detail")
    for row in rows:
        table.add_row(
            *(
                str(row[k] or "")
                for k in ("at", "event", "outcome", "actor", "channel", "subject", "reason", "detail")
            )
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
