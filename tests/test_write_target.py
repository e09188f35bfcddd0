"""``write_scored``'s checks of the source and the output name, made on the package it reads once.

A source holding a VBA project must be written as .xlsm (else the macros would be lost), one without
as .xlsx; a source that is not a zip is unreadable. Each refusal leaves no output behind.
"""
from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from workbook import fast, pipeline
from workbook.errors import UnreadableFile, UnsafeToWrite
from workbook.xlsx import write_scored

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"


@pytest.fixture(scope="module")
def plan():
    return pipeline.score_workbook(fast.read_grids(EXAMPLE)).plan


def with_vba(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copy(EXAMPLE, path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real project")
    return path


@pytest.mark.parametrize("gated", [False, True])
def test_a_vba_source_must_be_written_as_xlsm(tmp_path, plan, gated):
    src = with_vba(tmp_path, "macro.xlsm")
    out = tmp_path / "scored.xlsx"
    with pytest.raises(UnsafeToWrite, match="含有宏（VBA），输出文件必须使用 .xlsm 扩展名"):
        write_scored(src, out, plan, gated=os.stat(src) if gated else None)
    assert not out.exists()
    done = write_scored(src, tmp_path / "scored.xlsm", plan, gated=os.stat(src) if gated else None)
    with zipfile.ZipFile(done.path) as zf, zipfile.ZipFile(src) as original:
        assert zf.read("xl/vbaProject.bin") == original.read("xl/vbaProject.bin")


def test_a_plain_source_must_be_written_as_xlsx(tmp_path, plan):
    out = tmp_path / "scored.xlsm"
    with pytest.raises(UnsafeToWrite, match=r"输出文件必须使用 .xlsx 扩展名（scored.xlsm）"):
        write_scored(EXAMPLE, out, plan, gated=os.stat(EXAMPLE))
    assert not out.exists()


def test_a_source_that_is_not_a_zip_is_unreadable(tmp_path, plan):
    src = tmp_path / "broken.xlsx"
    src.write_bytes(b"PK\x03\x04 this is no zip at all" * 10)
    out = tmp_path / "scored.xlsx"
    # the caller gated the file as it was (gated=its stat): the writer reads it once and refuses it
    with pytest.raises(UnreadableFile, match="不是有效的 .xlsx/.xlsm 文件"):
        write_scored(src, out, plan, gated=os.stat(src))
    assert not out.exists()
