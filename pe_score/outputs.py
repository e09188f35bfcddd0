"""Where the command line may write: the rules every output path goes through before anything is written.

- An output never replaces an input of the same run (``check f.xlsx --summary f.xlsx``, a summary
  inside a folder under review that names one of its workbooks, ``score f.xlsx --write f.xlsx``).
- An existing file is replaced only with ``--overwrite``, and then it is first copied to
  ``name.bak.xlsx`` (``name.bak2.xlsx`` ... when that exists), the same naming as ``--in-place``.
- A symbolic link is followed: the file it points to is written, the link stays a link.
- A read-only file is refused; so is anything that is not a regular file (a folder, a FIFO, a device).
- Outputs get the ordinary mode of a new file (``0666`` less the umask), like any program's.

Every refusal is a ``workbook.errors.UnsafeToWrite`` with a Chinese message (exit status 2).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Iterable, Optional

from workbook.errors import UnsafeToWrite, describe_os_error

OVERWRITE_OPTION = "--overwrite"
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


class Target:
    """An output path that passed the rules: ``path`` is where to write (links resolved);
    ``existing`` tells whether a file is there now (and so needs a backup first)."""

    __slots__ = ("path", "existing")

    def __init__(self, path: Path, existing: bool) -> None:
        self.path, self.existing = path, existing

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Target) and (self.path, self.existing) == (other.path, other.existing)

    def __hash__(self) -> int:
        return hash((self.path, self.existing))

    def __repr__(self) -> str:
        return f"Target(path={self.path!r}, existing={self.existing!r})"


def backup_path(path: Path) -> Path:
    """``a.xlsx`` → ``a.bak.xlsx``, or ``a.bak2.xlsx``, ``a.bak3.xlsx`` ... whichever is free."""
    candidate = path.with_name(f"{path.stem}.bak{path.suffix}")
    n = 2
    while os.path.lexists(candidate):
        candidate = path.with_name(f"{path.stem}.bak{n}{path.suffix}")
        n += 1
    return candidate


def _read_only(st: os.stat_result, path: Path) -> bool:
    # The mode bits, not os.access: an administrator may write anything, but a file marked
    # read-only (chmod a-w, or Windows' read-only attribute) says its owner does not want it changed.
    return not (st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(path, os.W_OK)


def _kind(st: os.stat_result) -> str:
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "管道（FIFO）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def _stat(path: Path) -> Optional[os.stat_result]:
    try:
        return os.stat(path)  # follows links: what would be written is the target
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UnsafeToWrite(f"无法写入 {path}：{describe_os_error(exc)}") from None


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return _real(a) == _real(b)


def _inside(path: Path, folder: Path) -> bool:
    try:
        _real(path).relative_to(_real(folder))
        return True
    except ValueError:
        return False


def check_input_of_run(out: Path, inputs: Iterable[str | os.PathLike], what: str) -> None:
    """Refuse an output that is one of this run's inputs: a file named on the command line, or a
    workbook inside a folder under review. (``what`` names the output in the message: 汇总表 ...)"""
    if not os.path.lexists(out):
        return
    for raw in inputs:
        p = Path(raw)
        if not os.path.exists(p):
            continue
        if p.is_dir():
            if out.name.lower().endswith(SPREADSHEET_SUFFIXES) and _inside(out, p):
                raise UnsafeToWrite(
                    f"{what} {out} 位于要审核的文件夹 {p} 中，是本次要审核的工作簿之一，不能用它作为输出；"
                    f"请换一个文件名或放到别的文件夹。"
                )
        elif _same(p, out):
            raise UnsafeToWrite(f"{what} {out} 就是本次要审核的输入文件，不能用它作为输出；请换一个文件名。")


def check_output(out: str | os.PathLike, *, overwrite: bool, what: str = "输出文件",
                 inputs: Iterable[str | os.PathLike] = ()) -> Target:
    """Apply the rules above to an output path; return where to write. Raises ``UnsafeToWrite``."""
    out = Path(out)
    check_input_of_run(out, inputs, what)
    parent = out.parent if str(out.parent) else Path(".")
    if os.path.islink(out) and not os.path.exists(out):
        raise UnsafeToWrite(f"{what} {out} 是一个指向不存在文件的链接；请换一个文件名。")
    st = _stat(out)
    if st is None:
        if not parent.is_dir():
            raise UnsafeToWrite(f"{what} 所在的文件夹不存在：{parent}")
        return Target(out, existing=False)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeToWrite(f"{what} {out} 是{_kind(st)}，不是普通文件；请换一个文件名。")
    if not overwrite:
        raise UnsafeToWrite(
            f"{what} {out} 已存在，未覆盖。如要替换它，请加 {OVERWRITE_OPTION}"
            f"（原文件会先备份为 {backup_path(_real(out)).name}）；或换一个文件名。"
        )
    real = _real(out)
    if _read_only(st, real):
        raise UnsafeToWrite(f"{what} {out} 是只读文件，未覆盖。如确实要替换，请先取消它的只读属性。")
    return Target(real, existing=True)


def check_in_place(src: str | os.PathLike) -> Path:
    """The file ``--in-place`` writes: the input itself, or the file a link points to. Refuses a
    read-only or non-regular file."""
    src = Path(src)
    st = _stat(src)
    if st is None:
        raise UnsafeToWrite(f"找不到文件：{src}")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeToWrite(f"{src} 是{_kind(st)}，不是普通文件，无法写回。")
    real = _real(src)
    if _read_only(st, real):
        raise UnsafeToWrite(
            f"{src} 是只读文件，未写回。请先取消它的只读属性，或用 --write 另存一份评分副本。"
        )
    return real


def backup(target: Target) -> Optional[Path]:
    """Copy an existing output aside before it is replaced; return the copy (None if nothing was there)."""
    if not target.existing:
        return None
    dest = backup_path(target.path)
    try:
        import shutil

        shutil.copy2(target.path, dest)
    except OSError as exc:
        try:
            os.unlink(dest)
        except OSError:
            pass
        raise UnsafeToWrite(f"无法备份 {target.path.name}，未覆盖：{describe_os_error(exc)}") from None
    return dest


def give_default_mode(path: str | os.PathLike) -> None:
    """Give a file the mode a new file would have (temp files are created 0600)."""
    from workbook.xlsx import new_file_mode

    try:
        os.chmod(path, new_file_mode())
    except OSError:
        pass
