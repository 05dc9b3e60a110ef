"""Helpers for entity-resolution tests: valid identifiers built with stdnum's check-digit
functions (never hard-coded strings), and a realistic background population from the
benchmark synthesizer so that u-probabilities are estimated on more than a handful of records."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from er_helpers import COMPANY_COLS, PERSON_COLS  # noqa: E402


@pytest.fixture(scope="session")
def company_background() -> pd.DataFrame:
    from bench.er import synth

    df = synth.companies(400, seed=11)
    rec, _ = synth.split_truth(df)
    return rec[COMPANY_COLS].assign(record_id=lambda d: "bg-" + d["record_id"])


@pytest.fixture(scope="session")
def person_background() -> pd.DataFrame:
    from bench.er import synth

    df = synth.persons(400, seed=12)
    rec, _ = synth.split_truth(df)
    return rec[PERSON_COLS].assign(record_id=lambda d: "bg-" + d["record_id"])
