"""Schemathesis against the JSON API: every /api/ operation, generated requests from its OpenAPI
description, sent with an admin's API token. No answer may be a server error, and every answer
must have a status code and a body that the description declares.

The number of examples per operation is kept small so that the whole run stays under a minute;
hypothesis still explores each parameter's edges (empty strings, huge integers, odd Unicode).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from gawah.security.policy import Action
from gawah.security.tokens import issue_token
from gawah.store.engine import transaction
from gawah.store.models import User
from gawah.store.vocab import Role
from gawah.web.app import create_app
from tests.web.conftest import WebWorkspace, add_account

EXAMPLES_PER_OPERATION = 20
NEGATIVE_EXAMPLES_PER_OPERATION = 8
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
# Data that breaks the description (wrong types, missing fields) must be refused, never crash the server.
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _admin_token(web_workspace: WebWorkspace) -> str:
    ws = web_workspace.workspace
    name = add_account(ws, Role.ADMIN, "schema-admin")
    with transaction(ws.sessions) as session:
        user = session.scalar(select(User).where(User.username == name))
        assert user is not None
        raw, _ = issue_token(session, user, list(Action), name="schemathesis")
    return raw


def _operations(schema: Any) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())
    return operations


def _try(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """Send generated requests to one operation; what went wrong, or None."""
    positive = mode is GenerationMode.POSITIVE

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION if positive else NEGATIVE_EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_described(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS if positive else NEGATIVE_CHECKS)

    try:
        answers_as_described()
    except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, failures told together
        return f"{operation.method.upper()} {operation.path} ({mode.value} data): {exc}"
    return None


@pytest.mark.slow
def test_every_api_operation_answers_as_described(web_workspace: WebWorkspace) -> None:
    app = create_app(web_workspace.workspace)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {_admin_token(web_workspace)}"}
    operations = _operations(schema)
    paths = {op.path for op in operations}
    assert paths and all(path.startswith("/api/") for path in paths), paths
    # The API as the issue names it: documents, the caller, review and incidents, statistics.
    assert {"/api/documents", "/api/documents/{document_id}", "/api/me"} <= paths

    failures = [
        failure
        for operation in operations
        for mode in GenerationMode
        if (failure := _try(operation, mode, headers)) is not None
    ]
    assert not failures, "\n\n".join(failures)
