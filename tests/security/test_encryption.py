"""Encryption at rest: sealed values, the passphrase-wrapped data key, and confidential columns
whose planted text never appears in the raw database file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text

from gawah.security.crypto import (
    SCRYPT_N,
    CryptoError,
    WrongPassphrase,
    change_passphrase,
    create_data_key,
    is_encrypted,
    key_file,
    load_data_key,
    seal,
    unseal,
)
from gawah.security.encrypted import PREFIX, EncryptedText, attach_key

CHEAP_N = 2**10  # the tests' scrypt cost; the default is checked once below
PLANTED = "Invented Witness Zarghona Safi, phone +93 70 000 1234"


def test_sealed_values_open_only_with_their_key_and_place() -> None:
    key = bytes(range(32))
    sealed = seal(key, b"testimony", b"gawah:persons.name")
    assert b"testimony" not in sealed and sealed[0] == 1
    assert unseal(key, sealed, b"gawah:persons.name") == b"testimony"
    # The same bytes twice seal differently (a fresh nonce each time).
    assert seal(key, b"testimony", b"x") != seal(key, b"testimony", b"x")
    with pytest.raises(CryptoError):
        unseal(key, sealed, b"gawah:cases.reporter_contact")  # moved to another column
    with pytest.raises(CryptoError):
        unseal(bytes(32), sealed, b"gawah:persons.name")  # another key
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(CryptoError):
        unseal(key, tampered, b"gawah:persons.name")
    with pytest.raises(CryptoError):
        unseal(key, b"\x02" + sealed[1:], b"gawah:persons.name")  # unknown version


def test_data_key_wrapped_by_passphrase(tmp_path: Path) -> None:
    assert not is_encrypted(tmp_path)
    data_key = create_data_key(tmp_path, "a long invented passphrase", n=CHEAP_N)
    assert is_encrypted(tmp_path)
    stored = key_file(tmp_path).read_bytes()
    assert data_key not in stored and json.loads(stored)["kdf"]["name"] == "scrypt"
    assert key_file(tmp_path).stat().st_mode & 0o077 == 0
    assert load_data_key(tmp_path, "a long invented passphrase") == data_key

    with pytest.raises(WrongPassphrase, match="does not open"):
        load_data_key(tmp_path, "a wrong guess")
    with pytest.raises(WrongPassphrase):
        change_passphrase(tmp_path, "a wrong guess", "new", n=CHEAP_N)
    assert key_file(tmp_path).read_bytes() == stored  # nothing changed by the refusals
    with pytest.raises(CryptoError, match="already has"):
        create_data_key(tmp_path, "another", n=CHEAP_N)

    change_passphrase(tmp_path, "a long invented passphrase", "a new invented passphrase", n=CHEAP_N)
    assert load_data_key(tmp_path, "a new invented passphrase") == data_key
    with pytest.raises(WrongPassphrase):
        load_data_key(tmp_path, "a long invented passphrase")


def test_default_cost_is_memory_hard(tmp_path: Path) -> None:
    create_data_key(tmp_path, "invented", n=SCRYPT_N)
    kdf = json.loads(key_file(tmp_path).read_text())["kdf"]
    # 128 × n × r bytes of memory per guess: at least 128 MiB.
    assert 128 * kdf["n"] * kdf["r"] >= 128 * 2**20


def test_confidential_column_never_reaches_the_database_file_in_clear(tmp_path: Path) -> None:
    database = tmp_path / "gawah.sqlite"
    metadata = MetaData()
    people = Table(
        "persons",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", EncryptedText("persons", "name")),
        Column("contact", EncryptedText("persons", "contact")),
    )
    engine = create_engine(f"sqlite:///{database}")
    metadata.create_all(engine)
    data_key = create_data_key(tmp_path, "invented passphrase", n=CHEAP_N)
    attach_key(engine, data_key)
    with engine.begin() as conn:
        conn.execute(insert(people).values(id=1, name=PLANTED, contact=PLANTED))
        conn.execute(insert(people).values(id=2, name=None, contact="ok"))
    with engine.connect() as conn:
        assert conn.execute(select(people.c.name, people.c.contact).where(people.c.id == 1)).one() == (
            PLANTED,
            PLANTED,
        )
        raw = conn.execute(text("SELECT name, contact FROM persons WHERE id = 1")).one()
        assert raw[0].startswith(PREFIX) and raw[0] != raw[1]
        # A value moved to another column does not open there.
        conn.execute(text("UPDATE persons SET contact = name WHERE id = 1"))
        with pytest.raises(CryptoError):
            conn.execute(select(people.c.contact).where(people.c.id == 1)).one()
    engine.dispose()
    raw_bytes = database.read_bytes()
    for needle in ("Zarghona", "000 1234"):
        assert needle.encode("utf-8") not in raw_bytes
        assert needle.encode("utf-16-le") not in raw_bytes

    # Without the key the workspace says it is locked rather than showing ciphertext.
    locked = create_engine(f"sqlite:///{database}")
    with locked.connect() as conn, pytest.raises(CryptoError, match="passphrase"):
        conn.execute(select(people.c.name).where(people.c.id == 1)).one()
    locked.dispose()
