"""Printed targets: the ChArUco board and heel-tab specifications, and their printable files.

Public API: :class:`BoardSpec`, :class:`TabSpec`, :data:`DEFAULT_BOARD`, :data:`DEFAULT_TABS`,
:func:`write_targets`.
"""

from .spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec

__all__ = ["BoardSpec", "TabSpec", "DEFAULT_BOARD", "DEFAULT_TABS", "write_targets"]


def __getattr__(name):
    if name == "write_targets":  # deferred: printing pulls in matplotlib
        from .printables import write_targets
        return write_targets
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
