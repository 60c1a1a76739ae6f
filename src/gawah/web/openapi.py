"""The errors every JSON API operation may answer, declared in its OpenAPI description.

Some answers come from the application as a whole rather than from one route: the sign-in check
(401), the policy (403), the request size limit (413). Routes with a path parameter name a record
that may be missing or hidden (404), and routes with parameters or a body refuse values that are
well formed but not acceptable (400, 409, 422 with a plain message). Declaring them here, once,
keeps the description true for every route, including those added later.
"""

from __future__ import annotations

from typing import Any

from gawah.web.schemas import ApiError

ERROR_REF = {"$ref": "#/components/schemas/ApiError"}
VALIDATION_REF = {"$ref": "#/components/schemas/HTTPValidationError"}

ALWAYS: dict[str, str] = {
    "401": "No session or token, or the token is expired or revoked.",
    "403": "The role or the token's scopes do not allow this (or a confidential record needs a reason).",
    "413": "The request is too large.",
}
WITH_PATH_PARAMETER = {"404": "No such record, or one the caller may not see."}
WITH_INPUT = {
    "400": "A value is well formed but not one this operation accepts.",
    "409": "The request conflicts with the record's current state.",
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def declare_api_errors(schema: dict[str, Any], prefix: str = "/api/") -> dict[str, Any]:
    """Add the application-wide error answers to every operation under `prefix` (in place; returned).

    A 422 may be FastAPI's list of validation errors or a route's plain message, so it is declared
    as either.
    """
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ApiError", ApiError.model_json_schema())
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            wanted = dict(ALWAYS)
            if any(p.get("in") == "path" for p in parameters):
                wanted.update(WITH_PATH_PARAMETER)
            if parameters or "requestBody" in operation:
                wanted.update(WITH_INPUT)
            for code, description in wanted.items():
                responses.setdefault(code, _error(description))
            if "422" in responses:
                content = responses["422"].setdefault("content", {}).setdefault("application/json", {})
                declared = content.get("schema", VALIDATION_REF)
                if declared != ERROR_REF and "anyOf" not in declared:
                    content["schema"] = {"anyOf": [declared, ERROR_REF]}
    return schema
