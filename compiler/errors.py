"""Errors that stop a build before any output: the CLI prints them as one line, exit 2."""


class LoadError(Exception):
    """A definitions module cannot be imported or does not have the expected shape."""


class UsageError(Exception):
    """Bad command-line input (an unreadable path, a bad option combination)."""


class OutputError(Exception):
    """An output directory we must not or cannot write as asked (a manifest naming files outside it, its lock held)."""
