"""Confidential columns: text sealed with the workspace data key before it reaches the database.

`EncryptedText("persons", "name")` is a column type. In an encrypted workspace the engine carries
the unlocked data key (`attach_key`), and every value is written as `gwh1:` + base64 of the sealed
bytes, bound to its table and column; a workspace without a data key stores the text as it is.
Reading a sealed value without the key says so plainly instead of showing ciphertext.

`EncryptedJSON` does the same for a JSON column: the sealed value is kept as a JSON string, so the
column keeps its JSON type on both databases and rows written before the workspace was encrypted
read as they were.

A sealed column cannot be searched or sorted in SQL: that is the price of a seized laptop
revealing nothing.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import JSON, Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

from gawah.security.crypto import CryptoError, seal, unseal

PREFIX = "gwh1:"
KEY_ATTRIBUTE = "gawah_data_key"


def attach_key(engine: Engine, data_key: bytes) -> None:
    """Let `engine` seal and open confidential columns (the key stays in memory only)."""
    setattr(engine.dialect, KEY_ATTRIBUTE, data_key)


def engine_key(dialect: Dialect) -> bytes | None:
    key = getattr(dialect, KEY_ATTRIBUTE, None)
    return key if isinstance(key, bytes) else None


def associated_data(table: str, column: str) -> bytes:
    return f"gawah:{table}.{column}".encode()


def seal_text(key: bytes, value: str, table: str, column: str) -> str:
    sealed = seal(key, value.encode("utf-8"), associated_data(table, column))
    return PREFIX + base64.b64encode(sealed).decode("ascii")


def open_text(key: bytes | None, stored: str, table: str, column: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    if key is None:
        raise CryptoError(f"{table}.{column} is encrypted: open the workspace with its passphrase")
    sealed = base64.b64decode(stored[len(PREFIX) :].encode("ascii"))
    return unseal(key, sealed, associated_data(table, column)).decode("utf-8")


class EncryptedText(TypeDecorator[str]):
    """Text sealed under the workspace data key (stored as TEXT on SQLite and PostgreSQL)."""

    impl = Text
    cache_ok = True

    def __init__(self, table: str, column: str) -> None:
        super().__init__()
        self.table = table
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        key = engine_key(dialect)
        if value is None or key is None:
            return value
        return seal_text(key, value, self.table, self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return open_text(engine_key(dialect), str(value), self.table, self.column)


class EncryptedJSON(TypeDecorator[Any]):
    """JSON sealed under the workspace data key, stored in the column as one JSON string."""

    impl = JSON
    cache_ok = True

    def __init__(self, table: str, column: str) -> None:
        super().__init__()
        self.table = table
        self.column = column

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        key = engine_key(dialect)
        if value is None or key is None:
            return value
        plain = json.dumps(value, sort_keys=True, ensure_ascii=False)
        return seal_text(key, plain, self.table, self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX):
            return json.loads(open_text(engine_key(dialect), value, self.table, self.column))
        return value
