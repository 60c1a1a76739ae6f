"""An intake key for the families' reports, made cheaply (a low scrypt cost, for tests only)."""

from __future__ import annotations

import pytest

from gawah.security.intake import IntakeOpener, create_intake_key, open_intake_key
from gawah.workspace import Workspace

INTAKE_PASSPHRASE = "invented intake passphrase"
TEST_SCRYPT_N = 2**10


@pytest.fixture
def intake_public(workspace: Workspace) -> bytes:
    return create_intake_key(workspace.settings.keys_dir, passphrase=INTAKE_PASSPHRASE, n=TEST_SCRYPT_N)


@pytest.fixture
def intake_opener(workspace: Workspace, intake_public: bytes) -> IntakeOpener:
    return open_intake_key(workspace.settings.keys_dir, passphrase=INTAKE_PASSPHRASE)
