"""Exceptions raised by veilleur."""

from __future__ import annotations


class VeilleurError(Exception):
    """Root of veilleur's own exceptions (I/O problems raise Python's builtins: FileNotFoundError, ...)."""


class ParseError(VeilleurError, ValueError):
    """A line could not be parsed and ``strict=True`` was asked. The message names ``path:line`` and the reason."""
