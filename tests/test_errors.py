"""workbook.errors.describe_os_error: operating-system errors in Chinese, nothing in English."""
from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import pytest

from workbook.errors import describe_os_error

CASES = {
    "ENOSPC": "磁盘空间不足",
    "EACCES": "没有访问权限",
    "EPERM": "没有访问权限",
    "ENOENT": "不存在",
    "EROFS": "只读",
    "ENAMETOOLONG": "太长",
    "EISDIR": "文件夹",
    "ENOTDIR": "不是文件夹",
    "EIO": "读写磁盘时出错",
    "EBUSY": "其他程序",
    "EDQUOT": "配额",
}

ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def _assert_chinese_only(text: str, path: str = "") -> None:
    rest = text.replace(path, "") if path else text
    assert not ASCII_WORD.search(rest), f"English in {text!r}"
    assert "Error" not in text and "errno" not in text.lower()
    assert "。。" not in text
    assert text.endswith("。")


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_errno_has_its_own_chinese_reason(name):
    code = getattr(errno, name)
    exc = OSError(code, os.strerror(code), "某文件.xlsx")
    text = describe_os_error(exc)
    assert CASES[name] in text
    assert os.strerror(code) not in text
    _assert_chinese_only(text)


def test_path_is_named_first_and_only_when_given():
    exc = OSError(errno.ENOSPC, "No space left on device", "/x/y.xlsx")
    assert describe_os_error(exc, "输出/评分.xlsx").startswith("输出/评分.xlsx：磁盘空间不足。")
    assert "y.xlsx" not in describe_os_error(exc)
    assert describe_os_error(exc, Path("a.xlsx")).startswith("a.xlsx：")


def test_subclasses_and_unknown_codes():
    assert "没有访问权限" in describe_os_error(PermissionError("Permission denied"))
    assert "不存在" in describe_os_error(FileNotFoundError("No such file"))
    unknown = describe_os_error(OSError(99999, "Something odd"))
    assert "99999" in unknown and "Something" not in unknown
    _assert_chinese_only(unknown)
    bare = describe_os_error(OSError("File name too long"))
    assert "File" not in bare
    _assert_chinese_only(bare)


def test_windows_sharing_violation_says_another_program_has_it_open():
    exc = PermissionError(errno.EACCES, "The process cannot access the file")
    exc.winerror = 32  # what Windows sets when Excel holds the workbook open
    text = describe_os_error(exc, "表.xlsx")
    assert "其他程序" in text and "Excel" in text
    _assert_chinese_only(text.replace("Excel", ""), "表.xlsx")


def test_real_errors_from_the_file_system(tmp_path):
    missing = tmp_path / "缺.xlsx"
    with pytest.raises(OSError) as info:
        missing.open("rb")
    assert "不存在" in describe_os_error(info.value, missing.name)
    with pytest.raises(OSError) as info:
        open(tmp_path, "rb")
    assert describe_os_error(info.value) != ""
    _assert_chinese_only(describe_os_error(info.value))
    with pytest.raises(OSError) as info:
        (tmp_path / ("长" * 300 + ".xlsx")).write_bytes(b"")
    assert "太长" in describe_os_error(info.value)
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            with pytest.raises(OSError) as info:
                (locked / "a.xlsx").write_bytes(b"")
            assert "没有访问权限" in describe_os_error(info.value)
        finally:
            locked.chmod(stat.S_IRWXU)
