"""Errors a user can act on. The command line prints their message as one line and exits 1.

Every layer raises subclasses of :class:`RentwatchError` for bad input or a blocked
resource; anything else is a bug and keeps its traceback.
"""


class RentwatchError(Exception):
    """An error whose message tells the user what is wrong and what to do."""


class LockTimeout(RentwatchError):
    """The warehouse's writer lock stayed held by another process for too long."""


class ImportRejected(RentwatchError):
    """An imported file failed validation; nothing from it was loaded."""


class SchemaError(RentwatchError):
    """The warehouse file is missing, too new, or not a rentwatch warehouse."""
