"""Fixtures of the security tests: the web tests' populated workspace and signed-in clients."""

from __future__ import annotations

from tests.web.conftest import client, web_workspace

__all__ = ["client", "web_workspace"]
