"""Output paths of the command line: nothing is replaced without being asked, inputs never are,
links are followed, read-only and non-regular files are refused, outputs get ordinary modes, and a
full disk is a clean exit 2 with the original intact."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import threading

import openpyxl
import pytest

from cli_runner import ROOT, run_cli

ENGLISH = re.compile(r"Traceback|Error|errno|No space|Permission denied|Invalid value|is not readable")


@pytest.fixture
def example(example_xlsx, tmp_path):
    dst = tmp_path / "shiyan.xlsx"
    shutil.copy(example_xlsx, dst)
    return dst


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def unrelated_workbook(path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "别人的工作簿"
    wb.save(path)
    return path.read_bytes()


def assert_refused(r, *words):
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("pe-score：") and not ENGLISH.search(r.stderr), r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)


# ---- --write -------------------------------------------------------------------------------


def test_write_onto_existing_file_needs_overwrite_and_keeps_a_backup(example, tmp_path):
    out = tmp_path / "别人的.xlsx"
    before = unrelated_workbook(out)
    r = run_cli("score", example, "--write", out)
    assert_refused(r, "已存在", "--overwrite", "别人的.bak.xlsx")
    assert out.read_bytes() == before

    r = run_cli("score", example, "--write", out, "--overwrite")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "别人的.bak.xlsx").read_bytes() == before
    assert "评分说明" in openpyxl.load_workbook(out).sheetnames
    assert "别人的.bak.xlsx" in r.stdout

    r = run_cli("score", example, "--write", out, "--overwrite", "--json")  # a second backup, numbered
    assert r.returncode == 0 and (tmp_path / "别人的.bak2.xlsx").exists()
    assert "别人的.bak2.xlsx" in r.stderr


def test_overwrite_alone_is_a_usage_mistake(example):
    assert_refused(run_cli("score", example, "--overwrite"), "--overwrite", "--write")


def test_write_onto_read_only_file_is_refused_even_with_overwrite(example, tmp_path):
    out = tmp_path / "只读.xlsx"
    before = unrelated_workbook(out)
    out.chmod(0o444)
    r = run_cli("score", example, "--write", out, "--overwrite")
    assert_refused(r, "只读")
    assert out.read_bytes() == before and not (tmp_path / "只读.bak.xlsx").exists()


def test_write_onto_a_folder_or_fifo_is_refused(example, tmp_path):
    folder = tmp_path / "文件夹.xlsx"
    folder.mkdir()
    assert_refused(run_cli("score", example, "--write", folder, "--overwrite"), "文件夹")
    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)
    assert_refused(run_cli("score", example, "--write", fifo, "--overwrite"), "管道")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_write_into_a_missing_folder_is_explained(example, tmp_path):
    assert_refused(run_cli("score", example, "--write", tmp_path / "没有" / "o.xlsx"), "文件夹不存在")


def test_write_output_gets_the_ordinary_mode(example, tmp_path, umask022):
    out = tmp_path / "新.xlsx"
    assert run_cli("score", example, "--write", out).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_write_through_a_link_writes_its_target(example, tmp_path):
    real = tmp_path / "真实.xlsx"
    before = unrelated_workbook(real)
    link = tmp_path / "链接.xlsx"
    link.symlink_to(real)
    r = run_cli("score", example, "--write", link, "--overwrite")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "评分说明" in openpyxl.load_workbook(real).sheetnames
    assert (tmp_path / "真实.bak.xlsx").read_bytes() == before


def test_fifo_as_the_form_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "表.xlsx"
    os.mkfifo(fifo)
    assert_refused(run_cli("score", fifo), "不是普通文件")


# ---- --in-place -----------------------------------------------------------------------------


def test_in_place_on_a_link_writes_the_file_it_points_to(example, tmp_path):
    before = example.read_bytes()
    link = tmp_path / "link.xlsx"
    link.symlink_to(example)
    r = run_cli("score", link, "--in-place")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(example)
    assert "评分说明" in openpyxl.load_workbook(example).sheetnames
    assert (tmp_path / "shiyan.bak.xlsx").read_bytes() == before
    assert not (tmp_path / "link.bak.xlsx").exists()


def test_in_place_on_a_read_only_form_is_refused(example):
    before = example.read_bytes()
    example.chmod(0o444)
    r = run_cli("score", example, "--in-place")
    assert_refused(r, "只读", "--write")
    assert example.read_bytes() == before
    assert not example.with_name("shiyan.bak.xlsx").exists()


# ---- check --summary --------------------------------------------------------------------------


def test_summary_onto_existing_file_needs_overwrite_and_keeps_a_backup(example, tmp_path, umask022):
    out = tmp_path / "out" / "汇总.xlsx"
    out.parent.mkdir()
    before = unrelated_workbook(out)
    r = run_cli("check", example, "--summary", out)
    assert_refused(r, "已存在", "--overwrite")
    assert out.read_bytes() == before
    r = run_cli("check", example, "--summary", out, "--overwrite")
    assert r.returncode in (0, 1), r.stderr
    assert "汇总" in openpyxl.load_workbook(out).sheetnames
    assert (out.parent / "汇总.bak.xlsx").read_bytes() == before


def test_new_summary_gets_the_ordinary_mode(example, tmp_path, umask022):
    out = tmp_path / "汇总.xlsx"
    r = run_cli("check", example, "--summary", out)
    assert r.returncode in (0, 1), r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_summary_never_replaces_an_input_of_the_run(example):
    before = example.read_bytes()
    for extra in ([], ["--overwrite"]):
        r = run_cli("check", example, "--summary", example, *extra)
        assert_refused(r, "输入文件")
        assert example.read_bytes() == before


def test_summary_never_replaces_a_workbook_in_a_folder_under_review(example, tmp_path):
    folder = example.parent
    other = folder / "b.xlsx"
    shutil.copy(example, other)
    before = other.read_bytes()
    for extra in ([], ["--overwrite"]):
        r = run_cli("check", folder, "--summary", other, *extra)
        assert_refused(r, "要审核的文件夹")
        assert other.read_bytes() == before
    fresh = folder / "新汇总.xlsx"  # a new name in the folder is fine: nothing is replaced
    r = run_cli("check", folder, "--summary", fresh)
    assert r.returncode in (0, 1) and fresh.exists(), r.stderr


def test_summary_onto_a_fifo_is_refused(example, tmp_path):
    fifo = tmp_path / "汇总.xlsx"
    os.mkfifo(fifo)
    assert_refused(run_cli("check", example, "--summary", fifo, "--overwrite"), "管道")


def test_overwrite_without_summary_is_refused(example):
    assert_refused(run_cli("check", example, "--overwrite"), "--summary")


# ---- a real full disk -----------------------------------------------------------------------

FULL_DISK = textwrap.dedent(r"""
    set -e
    mount -t tmpfs -o size=$SIZE tmpfs "$MNT"
    cp "$EXAMPLE" "$MNT/form.xlsx"
    cp "$EXAMPLE" "$MNT/other.xlsx"
    # fill what is left, so the next write of any size fails with ENOSPC
    dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null || true
    sha_before=$(sha256sum "$MNT/form.xlsx" "$MNT/other.xlsx")
    set +e
    "$PY" -m pe_score "$@" > "$OUT/stdout" 2> "$OUT/stderr"
    echo $? > "$OUT/rc"
    ls -a "$MNT" > "$OUT/listing"
    for b in "$MNT"/*.bak*; do
        [ -e "$b" ] || continue
        cmp -s "$b" "$MNT/$(basename "$b" | sed 's/\.bak[0-9]*\././')" && echo "$(basename "$b")" >> "$OUT/whole_backups"
    done
    sha_after=$(sha256sum "$MNT/form.xlsx" "$MNT/other.xlsx")
    [ "$sha_before" = "$sha_after" ] && echo same > "$OUT/intact" || echo changed > "$OUT/intact"
""")


def _can_mount_tmpfs() -> bool:
    if sys.platform != "linux" or not shutil.which("unshare") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs root and unshare to mount a small tmpfs")
@pytest.mark.parametrize("argv", [
    ["score", "{mnt}/form.xlsx", "--in-place"],
    ["score", "{mnt}/form.xlsx", "--write", "{mnt}/scored.xlsx"],
    ["score", "{mnt}/form.xlsx", "--write", "{mnt}/other.xlsx", "--overwrite"],
    ["check", "{mnt}/form.xlsx", "--summary", "{mnt}/summary.xlsx"],
], ids=["in-place", "write", "write-overwrite", "summary"])
def test_full_disk_is_a_clean_exit_2_with_the_original_intact(example_xlsx, tmp_path, argv):
    mnt, out = tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    size = example_xlsx.stat().st_size * 2 + 64 * 1024
    env = dict(os.environ, SIZE=str(size), MNT=str(mnt), OUT=str(out), EXAMPLE=str(example_xlsx),
               PY=sys.executable, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    env.pop("PE_SCORE_DEBUG", None)
    args = [a.format(mnt=mnt) for a in argv]
    subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", FULL_DISK, "full-disk", *args],
                   env=env, cwd=ROOT, check=True, timeout=180)
    rc = int((out / "rc").read_text())
    stderr = (out / "stderr").read_text(encoding="utf-8")
    assert rc == 2, stderr
    assert "磁盘空间不足" in stderr, stderr
    assert not ENGLISH.search(stderr) and "内部错误" not in stderr, stderr
    assert (out / "intact").read_text().strip() == "same"
    listing = (out / "listing").read_text().split()
    assert not [n for n in listing if n.startswith(".") and n not in (".", "..")], listing  # no temp left
    assert "scored.xlsx" not in listing and "summary.xlsx" not in listing
    # a backup left by a failed write must be a whole copy of the original (or not be there at all)
    whole = (out / "whole_backups").read_text().split() if (out / "whole_backups").exists() else []
    assert [n for n in listing if ".bak" in n] == whole, (listing, whole)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="an administrator reads any file")
def test_a_file_nobody_may_read_is_explained_in_chinese(example):
    example.chmod(0)
    try:
        r = run_cli("score", example)
        assert_refused(r, "没有访问权限")
        c = run_cli("check", example, "--json")
        assert "Invalid value" not in c.stdout + c.stderr and "Permission denied" not in c.stdout + c.stderr
    finally:
        example.chmod(0o644)


def test_the_new_file_mode_has_one_home():
    """'A new file gets 0666 less the umask' is decided once (workbook.xlsx.new_file_mode); every
    writer (save_atomically, the --write/--in-place outputs, the summary) asks it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    homes = []
    for pkg in ("scoring", "workbook", "addin", "pe_score", "server"):
        for path in sorted((root / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in ast.walk(tree):
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                        isinstance(n, ast.Attribute) and n.attr == "umask" for n in ast.walk(fn)):
                    homes.append(f"{path.relative_to(root).as_posix()}:{fn.name}")
    assert homes == ["workbook/xlsx.py:new_file_mode"]
    from workbook.xlsx import new_file_mode

    old = os.umask(0o027)
    try:
        assert new_file_mode() == 0o640
    finally:
        os.umask(old)
