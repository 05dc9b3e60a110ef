"""The same ground-truth checks at scale s (10k companies): slow, run explicitly with ``-m slow``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.generator.generate import generate
from tests.generator import test_generator_files as files
from tests.generator import test_generator_truth as truth
from tests.generator.conftest import load


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_scale_s_truth_agrees_with_files(tmp_path: Path) -> None:
    generate(tmp_path / "s", scale="s", seed=21)
    s = load(tmp_path / "s")
    files.test_every_uscc_is_valid_including_the_organisation_code(s)
    files.test_every_resident_id_is_valid_or_deliberately_masked(s)
    files.test_every_reference_resolves_in_its_own_source(s)
    truth.test_planted_guarantee_structures_are_in_the_emitted_edges(s)
    truth.test_beneficial_owners_match_a_power_series_over_the_emitted_holdings(s)
    truth.test_controllers_follow_strict_majorities(s)
    truth.test_planted_groups_sit_inside_one_rule_group_with_relatives(s)
    truth.test_shell_clusters_share_address_and_phone(s)
    truth.test_counts_agree_with_the_files(s)
