"""Security tests: each one tries an escape a hostile user would, and asserts the refusal."""

from __future__ import annotations

from tests.query.conftest import project  # noqa: F401 - the crawled orders project, as a fixture here
