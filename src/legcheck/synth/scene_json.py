"""Rebuild a :class:`~legcheck.synth.scene.Scene` from its JSON form (a sidecar's ``scene``)."""

from __future__ import annotations

from ..targets.spec import BoardSpec, TabSpec
from .droptable import DropScene
from .feet import FeetSpec
from .scene import Scene, TabPlacement


def _tuples(d: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def scene_from_json(d: dict) -> Scene:
    """Rebuild a :class:`Scene` from :func:`scene_to_json`'s output (a sidecar's ``scene``).

    Parameters
    ----------
    d : dict
        The JSON form; lists become tuples.

    Returns
    -------
    Scene
        Equal to the scene that was written.
    """
    d = dict(d)
    d["board"] = BoardSpec(**d["board"])
    d["tabs"] = TabSpec(**d["tabs"])
    for k in ("left_tab", "right_tab"):
        t = _tuples(d[k])
        if t.get("rotation") is not None:
            t["rotation"] = tuple(tuple(r) for r in t["rotation"])
        d[k] = TabPlacement(**t)
    for k in ("dist", "target_mm", "light_gradient", "tab_shading", "show_tabs", "board_scale_xy"):
        if k in d:
            d[k] = tuple(d[k])
    if d.get("principal_px") is not None:
        d["principal_px"] = tuple(d["principal_px"])
    if d.get("feet"):
        d["feet"] = FeetSpec(**_tuples(d["feet"]))
    if d.get("drop"):
        d["drop"] = DropScene.from_json(d["drop"])
    return Scene(**d)
