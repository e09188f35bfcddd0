"""Why a workbook could not be read or written. Each carries a Chinese message for the user.

These are boundary failures (the file itself is unusable); mistakes *in* a form are
``scoring.models.Finding`` values, never exceptions.
"""


class WorkbookError(Exception):
    """Base: ``str(err)`` is the Chinese message shown to the user."""

    exit_code = 2


class UnreadableFile(WorkbookError):
    """Not a spreadsheet, corrupt, encrypted, too large, a zip/XML bomb ..."""


class NotAForm(WorkbookError):
    """The workbook opened, but no 附件2-1 table was found in it."""


class UnsafeToWrite(WorkbookError):
    """Writing would lose something (images, charts, macros ...) or overwrite the input."""


# ---------------------------------------------------------------------------------------------
# Operating-system errors in Chinese
# ---------------------------------------------------------------------------------------------

import errno as _errno  # noqa: E402  (kept beside the only code that uses it)

# errno -> (what happened, what to do). Neither half names an exception class or repeats the
# operating system's English ``strerror``; the user sees only these words.
_OS_REASONS: dict[int, tuple[str, str]] = {}


def _reason(names: tuple[str, ...], what: str, todo: str) -> None:
    for name in names:
        code = getattr(_errno, name, None)
        if code is not None:
            _OS_REASONS.setdefault(code, (what, todo))


_reason(("ENOSPC",), "磁盘空间不足", "请腾出磁盘空间或换一个位置后重试")
_reason(("EDQUOT",), "已超出磁盘配额", "请清理文件或换一个位置后重试")
_reason(("EACCES", "EPERM"), "没有访问权限", "请检查文件和所在文件夹的权限，或换一个位置")
_reason(("ENOENT",), "文件或文件夹不存在", "请检查路径是否写对")
_reason(("EROFS",), "所在的磁盘或文件夹是只读的", "请换一个可以写入的位置")
_reason(("ENAMETOOLONG",), "文件名或路径太长", "请缩短文件名或换一个层级较浅的文件夹")
_reason(("EISDIR",), "这是一个文件夹，不是文件", "请给出文件的路径")
_reason(("ENOTDIR",), "路径中有一部分不是文件夹", "请检查路径是否写对")
_reason(("EEXIST",), "同名文件已存在", "请换一个文件名")
_reason(("ENOTEMPTY",), "文件夹不是空的", "请换一个位置")
_reason(("EBUSY", "ETXTBSY"), "文件正被其他程序使用", "请关闭使用它的程序后重试")
_reason(("EMFILE", "ENFILE"), "同时打开的文件过多", "请关闭一些程序后重试")
_reason(("EIO",), "读写磁盘时出错", "请检查磁盘或网络盘是否正常")
_reason(("ELOOP",), "符号链接层层相指，形成了循环", "请检查这个链接指向哪里")
_reason(("EFBIG",), "文件超过了系统允许的大小", "请换一个位置或拆分文件")
_reason(("EXDEV",), "不能跨磁盘移动文件", "请把输出放在与输入同一磁盘上")
_reason(("ENXIO", "ENODEV"), "这不是普通文件（是设备或特殊文件）", "请给出普通的 Excel 文件")
_reason(("EINVAL",), "文件名或路径无效", "请去掉文件名中的特殊字符后重试")
_reason(("ETIMEDOUT", "EHOSTDOWN", "EHOSTUNREACH", "ENETDOWN", "ENETUNREACH", "ESTALE"),
        "网络盘暂时无法访问", "请检查网络连接后重试")

# Windows reports a file held open by another program (Excel locks the workbooks it has open) as
# a permission error; its ``winerror`` tells the two apart.
_WINERROR_REASONS: dict[int, tuple[str, str]] = {
    32: ("文件正被其他程序打开（例如 Excel）", "请先在其他程序中关闭它，然后重试"),
    33: ("文件有一部分被其他程序锁定（例如 Excel）", "请先在其他程序中关闭它，然后重试"),
    112: ("磁盘空间不足", "请腾出磁盘空间或换一个位置后重试"),
    206: ("文件名或路径太长", "请缩短文件名或换一个层级较浅的文件夹"),
}


def describe_os_error(exc: BaseException, path: object = None) -> str:
    """A Chinese sentence for an ``OSError``: what happened and what to do.

    ``path`` (a ``Path`` or ``str``), when given, is named at the start: ``"{path}：磁盘空间不足。
    请腾出磁盘空间或换一个位置后重试。"``. Without it the message names no file, so a caller can
    write ``f"无法写入 {out.name}：{describe_os_error(exc)}"``. The text never contains the
    exception's class name nor the operating system's English wording; an errno this table does
    not know is given by number (``系统错误代码 N``).
    """
    what, todo = "读写文件时出错", "请重试；如果问题依旧，请换一个位置"
    winerror = getattr(exc, "winerror", None)
    code = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    if isinstance(winerror, int) and winerror in _WINERROR_REASONS:
        what, todo = _WINERROR_REASONS[winerror]
    elif isinstance(code, int) and code in _OS_REASONS:
        what, todo = _OS_REASONS[code]
    elif isinstance(code, int):
        what = f"读写文件时出错（系统错误代码 {code}）"
    elif isinstance(exc, PermissionError):
        what, todo = _OS_REASONS[_errno.EACCES]
    elif isinstance(exc, FileNotFoundError):
        what, todo = _OS_REASONS[_errno.ENOENT]
    elif isinstance(exc, IsADirectoryError):
        what, todo = _OS_REASONS[_errno.EISDIR]
    text = f"{what}。{todo}。"
    if path is not None and str(path):
        text = f"{path}：{text}"
    return text
