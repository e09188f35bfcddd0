"""The validated snapshot of the shipped profiles (``scoring/profiles/validated.json``).

A profile whose TOML text is one of the shipped texts is built from the snapshot without importing
pydantic; any other text is validated. These tests keep the snapshot honest: it must equal what
validating the shipped files gives now, and a changed text must never be served from it.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scoring import profiles
from scoring.profiles import PROFILE_DIR, SNAPSHOT, Profile, ProfileError, list_profiles, load_profile
from tests.conftest import EXAMPLE, ROOT


def test_the_snapshot_is_what_validating_the_shipped_files_gives_now():
    stored = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert stored == profiles.snapshot_entries(), "stale snapshot: run python -m scoring.profiles"
    assert sorted(e["file"] for e in stored) == sorted(f"{n}.toml" for n in list_profiles())


@pytest.mark.parametrize("name", list_profiles())
def test_a_shipped_profile_from_the_snapshot_equals_a_validated_one(name):
    import tomllib

    data = tomllib.loads((PROFILE_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    data.setdefault("name", name)
    assert load_profile(name) == Profile.model_validate(data)
    assert load_profile(name).model_dump() == Profile.model_validate(data).model_dump()


def test_a_copy_of_a_shipped_text_elsewhere_loads_the_same_settings(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text((PROFILE_DIR / "hubei-2-1.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_profile(path) == load_profile("hubei-2-1")


def test_a_file_without_a_name_is_named_after_the_file(tmp_path):
    text = (PROFILE_DIR / "hubei-2-1.toml").read_text(encoding="utf-8")
    assert text.count('name = "hubei-2-1"') == 1
    path = tmp_path / "mine.toml"
    path.write_text(text.replace('name = "hubei-2-1"', ""), encoding="utf-8")
    assert load_profile(path).model_dump() == dict(load_profile("hubei-2-1").model_dump(), name="mine")


def test_an_edited_text_is_validated_not_served_from_the_snapshot(tmp_path):
    text = (PROFILE_DIR / "hubei-2-1.toml").read_text(encoding="utf-8")
    assert "digits = 2" in text
    path = tmp_path / "hubei-2-1.toml"  # same name, one setting changed and made invalid
    path.write_text(text.replace("digits = 2", "digits = 9"), encoding="utf-8")
    with pytest.raises(ProfileError, match="digits"):
        load_profile(path)
    path.write_text(text.replace("digits = 2", "digits = 3"), encoding="utf-8")
    assert load_profile(path).digits == 3


def test_a_missing_snapshot_only_costs_time(monkeypatch, tmp_path):
    monkeypatch.setattr(profiles, "SNAPSHOT", tmp_path / "absent.json")
    monkeypatch.setattr(profiles, "_SNAPSHOT", None)
    monkeypatch.setattr(profiles, "_LOADED", {})
    assert load_profile("hubei-2-1") == Profile.model_validate(
        dict(load_profile("hubei-2-1").model_dump()))


def test_scoring_the_example_on_the_command_line_imports_no_pydantic():
    """pe-score score --json with a shipped profile: the cold start the benches measure
    (bench/cli_start.py) pays no pydantic import."""
    code = ("import sys, runpy\n"
            "sys.argv = ['pe-score', 'score', sys.argv[1], '--json']\n"
            "from pe_score.cli import main\n"
            "rc = main()\n"
            "assert 'pydantic' not in sys.modules, 'pydantic imported'\n"
            "sys.exit(rc)\n")
    out = subprocess.run([sys.executable, "-c", code, str(EXAMPLE)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == 97


# ---- the family definitions' snapshot (scoring/profiles/families/parsed.json) ----------------------


def test_the_family_snapshot_is_what_parsing_the_shipped_files_gives_now():
    from workbook.families import data

    stored = json.loads(data.SNAPSHOT.read_text(encoding="utf-8"))
    assert stored == data.snapshot_entries(), "stale snapshot: run python -m workbook.families"


def test_an_edited_family_text_is_parsed_not_served_from_the_snapshot(tmp_path):
    from workbook.families import data

    text = (data.FAMILY_DIR / "hubei-2-1.toml").read_text(encoding="utf-8")
    assert text in data._snapshot()
    shipped = data.load_family(data.FAMILY_DIR / "hubei-2-1.toml")
    path = tmp_path / "hubei-2-1.toml"
    path.write_text(text + '\ntitle = "改过的标题"\n' if "\ntitle" not in text else
                    text.replace(f'title = "{shipped.title}"', 'title = "改过的标题"'), encoding="utf-8")
    assert data.load_family(path).title == "改过的标题"
    path.write_text(text, encoding="utf-8")
    assert data.load_family(path) == shipped
