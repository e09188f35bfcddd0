"""Profiles are data: shipped TOML files, loadable by name or path, validated strictly."""
from __future__ import annotations

import pytest

from scoring.profiles import PROFILE_DIR, Profile, ProfileError, list_profiles, load_profile


def test_shipped_profiles():
    assert {"hubei-2-1", "national-project"} <= set(list_profiles())


def test_hubei_defaults():
    p = load_profile()
    assert p.name == "hubei-2-1"
    assert p.budget.points == 20 and p.budget.cap
    assert p.cap.enabled and p.cap.limit == 60 and p.cap.triggers == ["重点披露", "重大不良"]
    assert (p.qualitative.top, p.qualitative.middle) == (0.8, 0.5)
    assert p.quantitative.reverse_formula == "ratio"
    assert p.quantitative.over_threshold == 1.3 and p.quantitative.over_mode == "full"
    assert [(g.name, g.min) for g in p.grades] == [("优", 90), ("良", 80), ("中", 60), ("差", 0)]
    assert p.digits == 2 and p.tolerance == 0.01 and p.total_points == 100
    assert p.level1 == {}


def test_national_project():
    p = load_profile("national-project")
    assert p.budget.points == 10
    assert p.level1 == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert not p.cap.enabled
    assert sum(p.level1.values()) + p.budget.points == p.total_points


def test_load_by_path_and_name_defaults_to_stem(tmp_path):
    text = (PROFILE_DIR / "hubei-2-1.toml").read_text(encoding="utf-8")
    text = text.replace('name = "hubei-2-1"\n', "").replace('reverse_formula = "ratio"', 'reverse_formula = "linear"')
    path = tmp_path / "my-province.toml"
    path.write_text(text, encoding="utf-8")
    p = load_profile(path)
    assert p.name == "my-province" and p.quantitative.reverse_formula == "linear"
    assert load_profile(str(path)) == p


def test_profile_instance_passes_through_and_none_is_default():
    p = load_profile()
    assert load_profile(p) is p
    assert load_profile(None).name == load_profile("").name == "hubei-2-1"


def test_unknown_name_is_a_chinese_error():
    with pytest.raises(ProfileError, match="未知的评分方案") as err:
        load_profile("no-such-profile")
    assert "hubei-2-1" in str(err.value)


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ProfileError, match="找不到"):
        load_profile(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [", encoding="utf-8")
    with pytest.raises(ProfileError, match="格式错误"):
        load_profile(bad)


@pytest.mark.parametrize("patch", [
    {"budget": {"points": 20, "capp": True}},  # typo in a key
    {"quantitative": {"reverse_formula": "quadratic"}},
    {"qualitative": {"top": 0.5, "middle": 0.6}},
    {"grades": [{"name": "差", "min": 0}, {"name": "优", "min": 90}]},
    {"grades": []},
    {"quantitative": {"over_threshold": 0.9}},
])
def test_invalid_settings_are_rejected(patch, tmp_path):
    data = load_profile().model_dump()
    data.update(patch)
    with pytest.raises(Exception):
        Profile.model_validate(data)


def test_with_options_validates_again():
    p = load_profile().with_options(**{"qualitative.middle": 0.6, "cap.enabled": False, "digits": 1})
    assert p.qualitative.middle == 0.6 and not p.cap.enabled and p.digits == 1
    with pytest.raises(Exception):
        load_profile().with_options(**{"quantitative.over_mode": "halve"})


def test_invalid_profile_is_explained_in_chinese_line_by_line(tmp_path):
    from scoring.profiles import ProfileError

    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nbogus = 1\ndigits = "a"\n[qualitative]\ntop = 0.5\nmiddle = 0.8\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(str(bad))
    msg = str(info.value)
    # each problem named by its place in the file, in Chinese; none of pydantic's English dump
    for expected in ("bogus：没有这项设置", "digits：类型不对", "qualitative：", "必须小于", "grades：缺少这项设置"):
        assert expected in msg, msg
    assert "validation error" not in msg and "pydantic.dev" not in msg and "Field required" not in msg
