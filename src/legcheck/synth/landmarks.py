"""Where the heel landmarks show in a drop-table photo: their pixels and their outline points.

The heel landmark (:mod:`legcheck.synth.limbs`) is a fixed point of the foot. Whether a
photo shows it *on an outline* depends on the view: it does when the camera's ray grazes
the heel there. This module finds, on the heel's profile in the foot's midplane (the
plane through the landmark spanned by the foot's long axis and its up axis), the point
where the ray from the camera is tangent to the surface (for a shoe, the sole's rear edge
itself when one of its faces is turned towards the camera and the other away): the
**outline point**. It is *on the outline* when it lies within ``MAX_OUTLINE_MM`` of the
landmark along the profile and nothing hides it, and the surface beyond it in the photo
(``against``) is the floor, the table or the other leg.
"""

from __future__ import annotations

import numpy as np

from .drop_world import END, FLOOR, LEFT_SIDE, MESH_ID0, RIGHT_SIDE, TOP, World
from .patient import SIDES, heel_landmarks
from .planar import project_cam
from .scene import Scene

MAX_OUTLINE_MM = 25.0
_AGAINST = {FLOOR: "floor", TOP: "table top", END: "table end", LEFT_SIDE: "table side", RIGHT_SIDE: "table side"}


def _profile(world: World, side: str):
    """Vertices of the heel's midplane profile near the landmark: positions, normals, arc order."""
    h = heel_landmarks(world.drop)[side]
    m = world.meshes[h.mesh_index]
    p0 = m.verts[h.vertex].astype(np.float64)
    rest = m.rest
    # The foot's posed lateral axis: the midplane's normal. From three rest-frame directions.
    sel = np.linalg.norm(m.verts - p0, axis=1) < 45.0
    sel &= (rest[:, 2] < -15) & (rest[:, 1] < 20)
    idx = np.nonzero(sel)[0]
    A = np.column_stack([rest[idx], np.ones(len(idx))])
    # Least squares affine map rest -> posed over the heel (it is rigid there).
    M, *_ = np.linalg.lstsq(A, m.verts[idx].astype(np.float64), rcond=None)
    x_axis = M[0]
    x_axis /= np.linalg.norm(x_axis)
    band = np.abs((m.verts[idx] - p0) @ x_axis) < 1.6
    idx = idx[band]
    return h, m, idx, M


def outline_points(scene: Scene, world: World | None = None) -> dict:
    """Per side, the heel's outline point in this photo (see the module docstring).

    Returns
    -------
    dict
        ``{"left": {...}, "right": {...}}`` with ``axis_mm`` and ``table_mm`` (3,), ``px`` (2,),
        ``on_outline`` (bool), ``offset_mm`` (distance from the landmark) and ``against``
        (what lies beyond it: "floor", "table top", "table end", "table side", "leg" or "").
    """
    world = world or World(scene, light=False)
    a2t = world.drop.axis2table()
    out = {}
    for side in SIDES:
        h, m, idx, M = _profile(world, side)
        C = world.C
        P = m.verts[idx].astype(np.float64)
        N = m.normals[idx].astype(np.float64)
        view = P - C
        cosv = np.einsum("ij,ij->i", N, view) / np.linalg.norm(view, axis=1)
        # Order the profile by its angle about the heel's centre of curvature (in the midplane).
        y_axis = M[1] / np.linalg.norm(M[1])
        z_axis = M[2] / np.linalg.norm(M[2])
        centre = h.point_mm - 25.0 * h.direction
        ang = np.arctan2((P - centre) @ z_axis, (P - centre) @ y_axis)
        order = np.argsort(ang)
        P, cosv = P[order], cosv[order]
        flips = np.nonzero(np.sign(cosv[:-1]) != np.sign(cosv[1:]))[0]
        best = None
        for i in flips:
            a, b = cosv[i], cosv[i + 1]
            t = a / (a - b) if a != b else 0.5
            q = P[i] + t * (P[i + 1] - P[i])
            dist = float(np.linalg.norm(q - h.point_mm))
            if best is None or dist < best[1]:
                best = (q, dist)
        if best is None or best[1] > MAX_OUTLINE_MM:
            q, dist, on = h.point_mm, 0.0 if best is None else best[1], False
        else:
            q, dist, on = best[0], best[1], True
        against = ""
        if on:
            v = (q - C) / np.linalg.norm(q - C)
            away = h.direction - (h.direction @ v) * v  # outwards across the outline, square to the ray
            away /= np.linalg.norm(away)
            inner = q - 0.5 * away
            hit = world.trace((inner - C)[None, :].astype(np.float32))
            # The grazing ray meets the heel a few mm before the point: nothing else may come first.
            seen = (1.0 - float(hit["t"][0])) * np.linalg.norm(inner - C) < 12.0
            beyond = int(world.trace((q + 3.0 * away - C)[None, :].astype(np.float32))["sid"][0])
            against = _AGAINST.get(beyond, "leg" if beyond >= MESH_ID0 and beyond != MESH_ID0 + h.mesh_index else "")
            on = bool(hit["sid"][0] == MESH_ID0 + h.mesh_index and seen and against != "")
        cam = q @ world.R_a2c.T + world.t_a2c
        out[side] = {"axis_mm": q.tolist(), "table_mm": (a2t @ q).tolist(),
                     "px": project_cam(scene, cam[None, :])[0].tolist(), "on_outline": bool(on),
                     "offset_mm": round(dist, 3), "against": against}
    return out


def heel_pixels(scene: Scene, world: World | None = None) -> dict:
    """Where a person sees each heel landmark in a drop-table photo: {"left": (x, y), "right": (x, y)}.

    The outline point when the heel's landmark is on an outline in this view (what contour
    mode and a tap on the heel's edge find), else the landmark's own projection (inside the
    foot's image: from the foot end the sole faces the camera).

    Parameters
    ----------
    scene : Scene
        A drop-table scene (``scene.drop`` set).
    world : World, optional
        Its ray-casting world, when one is at hand.

    Returns
    -------
    dict
        ``{"left": (x, y), "right": (x, y)}``, photo pixels (distorted, as stored). The
        sidecar's ``landmarks[side]["outline"]["on_outline"]`` says which of the two it is.
    """
    world = world or World(scene, light=False)
    pts = outline_points(scene, world)
    out = {}
    for side, h in heel_landmarks(scene.drop).items():
        if pts[side]["on_outline"]:
            out[side] = tuple(pts[side]["px"])
        else:
            cam = h.point_mm @ world.R_a2c.T + world.t_a2c
            out[side] = tuple(project_cam(scene, cam[None, :])[0])
    return out
