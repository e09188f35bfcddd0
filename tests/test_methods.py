"""The scoring methods as pure functions: formulas, boundaries and explanation texts."""
from __future__ import annotations

import pytest

from scoring import methods as m
from scoring.profiles import load_profile

P = load_profile("hubei-2-1")


def test_ratio_below_target_scales_points():
    score, ratio, text = m.score_ratio(100, 80, 2, P)
    assert score == pytest.approx(1.6) and ratio == pytest.approx(0.8)
    assert text == "完成率 80.0%：2 × 80.0% = 1.60"


def test_ratio_over_target_is_full_points_by_default():
    score, ratio, text = m.score_ratio(3.5, 4.97, 2, P)
    assert score == 2 and ratio == pytest.approx(1.42)
    assert text == "完成率 142.0%，按 100% 计：2 × 100% = 2.00"


def test_ratio_reduce_mode_lowers_score_above_threshold_only():
    p = P.with_options(**{"quantitative.over_mode": "reduce"})
    assert m.score_ratio(100, 120, 2, p)[0] == 2  # below the 130% threshold: full
    score, ratio, text = m.score_ratio(100, 150, 2, p)
    assert score == pytest.approx(2 * 0.8)  # 1 - (1.5 - 1.3)
    assert "按偏离度调减" in text
    assert m.score_ratio(100, 300, 2, p)[0] == 0  # never negative


def test_ratio_negative_actual_counts_as_zero_and_bad_target_gives_none():
    assert m.score_ratio(10, -5, 2, P)[0] == 0
    assert m.score_ratio(0, 5, 2, P)[0] is None
    assert m.score_ratio(float("nan"), 5, 2, P)[0] is None


def test_reverse_met_is_full():
    score, ratio, text = m.score_reverse(4.5, 3.3, 2, P, "%", "le")
    assert score == 2
    assert text == "反向指标：目标 ≤4.5%，实际 3.3%，已达标：满分 2.00"
    assert m.score_reverse(80, 80, 1, P, "%", "le")[0] == 1  # the ceiling itself is met


def test_reverse_missed_ratio_formula():
    score, _, text = m.score_reverse(4.5, 5.0, 2, P, "%", "le")
    assert score == pytest.approx(2 * 4.5 / 5.0)
    assert text.endswith("未达标：2 × 4.5/5 = 1.80")


def test_reverse_missed_linear_formula_reaches_zero_at_twice_the_target():
    p = P.with_options(**{"quantitative.reverse_formula": "linear"})
    assert m.score_reverse(4.5, 5.0, 2, p)[0] == pytest.approx(2 * (1 - 0.5 / 4.5))
    assert m.score_reverse(4.5, 9.0, 2, p)[0] == 0
    assert m.score_reverse(4.5, 20.0, 2, p)[0] == 0


def test_reverse_strict_comparator():
    assert m.score_reverse(5, 5, 2, P, "", "lt")[0] == pytest.approx(2.0 * 5 / 5)  # ratio formula → 2 anyway
    p = P.with_options(**{"quantitative.reverse_formula": "linear"})
    assert m.score_reverse(5, 5, 2, p, "", "lt")[0] == pytest.approx(2.0)


def test_zero_target():
    assert m.score_zero(0, 1, P, "%") == (1, 1.0, "目标值为 0，实际 0%，已达标：满分 1.00")
    score, _, text = m.score_zero(2, 1, P, "起")
    assert score == 0 and text == "目标值为 0，实际 2起，未达标：0 分"


def test_tier_boundaries_default_bands():
    assert m.tier_of(4.8, 6, P) == m.TIER_TOP  # 80% (含) is the top tier
    assert m.tier_of(4.79, 6, P) == m.TIER_MIDDLE
    assert m.tier_of(3, 6, P) == m.TIER_MIDDLE  # 50% (含) is the middle tier
    assert m.tier_of(2.99, 6, P) == m.TIER_BOTTOM
    # as the form's 评分标准 writes them: 100-80%（含80%）、80-50%（含50%）、50-0%
    assert m.band_text(m.TIER_TOP, P) == "100-80%（含80%）"
    assert m.band_text(m.TIER_MIDDLE, P) == "80-50%（含50%）"
    assert m.band_text(m.TIER_BOTTOM, P) == "50-0%"


def test_bands_80_60_option():
    p = P.with_options(**{"qualitative.middle": 0.6})
    assert m.tier_of(3, 6, p) == m.TIER_BOTTOM
    assert m.band_text(m.TIER_MIDDLE, p) == "80-60%（含60%）"


def test_in_band_exclusive_upper_bound_belongs_to_the_tier_above():
    assert m.in_band(4.8, 6, m.TIER_TOP, P)
    assert not m.in_band(4.8, 6, m.TIER_MIDDLE, P, tolerance=0.01)
    assert m.in_band(2.995, 6, m.TIER_MIDDLE, P, tolerance=0.01)
    assert m.in_band(6.005, 6, m.TIER_TOP, P, tolerance=0.01)


def test_judgement_explanation_names_the_band():
    score, ratio, text = m.score_judgement(3, 6, P)
    assert score == 3 and ratio is None
    assert text == "定性评价（三档）：填报得分 3.00，属“部分达成”档 80-50%（含50%）"
    assert m.score_judgement(None, 6, P)[0] is None


def test_qualitative_and_manual_keep_typed_scores():
    assert m.score_qualitative(True, None, 2, P, "完成")[0] == 2
    score, _, text = m.score_qualitative(False, 1.5, 2, P)
    assert score == 1.5 and "保留填报得分 1.50" in text
    assert m.score_manual(1, 2, P, "分值缺失") == (1, None, "分值缺失，保留填报得分 1.00")
    assert m.score_manual(1, 2, P) == (1, None, "无法自动计算，保留填报得分 1.00")
    assert m.score_manual(None, 2, P, "实际完成值无法计算")[2] == "实际完成值无法计算，且未填报得分"


@pytest.mark.parametrize("x, text", [(3.30, "3.3"), (35000.0, "35000"), (0.1 + 0.2, "0.3"), (-0.0, "0"), (None, "—")])
def test_compact_numbers(x, text):
    assert m.compact(x) == text


def test_reverse_ratio_is_target_over_actual():
    assert m.score_reverse(4.5, 3.0, 2, P, "%")[1] == pytest.approx(1.5)
    assert m.score_reverse(4.5, 9.0, 2, P, "%")[1] == pytest.approx(0.5)
    assert m.score_reverse(4.5, 0.0, 2, P, "%")[1] is None
