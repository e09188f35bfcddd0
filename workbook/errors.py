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
