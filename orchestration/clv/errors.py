"""Errors raised by the CLV package."""

from __future__ import annotations


class ClvInputError(ValueError):
    """Transactions or summary data that the models cannot use (names what and where)."""


class ClvModelError(RuntimeError):
    """A fit that failed or parameters outside the range where a formula is defined."""
