"""Shared ingest test data: the generator's xs data set, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def xs_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ingest.generator.generate import generate

    out = tmp_path_factory.mktemp("gen-xs")
    generate(out, scale="xs", seed=11)
    return out
