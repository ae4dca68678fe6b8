"""Pose the patient's limbs on the table: meshes in the table-axis frame, and heel landmarks.

Each limb is the rest mesh of :mod:`legcheck.synth.limbs` (a right limb; the left one is
mirrored), scaled to the patient, with the foot turned at the ankle by plantar flexion and
tilt (linear-blend skinning with the mesh's ``leg_weight``), the whole limb turned out about
its long axis, laid along the table (local Z -> +y, local Y -> -z), yawed, and set down so
its shin rests on the table top (z = 0) with the ankle ``ankle_mm`` in the table-axis frame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from .droptable import FOOTWEAR, DropScene
from .limbs import HEEL_DIRECTION, SHIN_FRONT_MM, Mesh, limb_mesh, shoe_mesh, trousers_mesh
from .scene import rot_deg

#: Local limb frame (X lateral, Y anterior, Z superior) -> table-axis frame, right limb, prone.
LOCAL2AXIS = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
SIDES = ("left", "right")


@dataclass(frozen=True)
class PosedMesh:
    """One mesh of one limb, posed: positions and normals in the table-axis frame (float32).

    ``rest`` keeps the rest-frame (local) positions for materials; ``part`` the part ids;
    ``side`` is "left" or "right"; ``kind`` "limb", "trousers" or "shoe".
    """

    verts: np.ndarray
    normals: np.ndarray
    faces: np.ndarray
    rest: np.ndarray
    part: np.ndarray
    side: str
    kind: str


@dataclass(frozen=True)
class Heel:
    """A posed heel landmark: its point and the landmark direction, table-axis frame."""

    point_mm: np.ndarray
    direction: np.ndarray
    mesh_index: int
    vertex: int


def _blend_rotate(verts, normals, weight, R):
    """Rotate by R where weight is 0 and not at all where it is 1 (linear-blend skinning)."""
    w = weight[:, None]
    v = w * verts + (1 - w) * (verts @ R.T)
    n = w * normals + (1 - w) * (normals @ R.T)
    return v, n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-9)


def _limb_transform(drop: DropScene, i: int):
    """Foot rotation (local) and the local->axis rotation of limb ``i`` (0 left, 1 right), before lifting."""
    pt = drop.patient
    side = SIDES[i]
    R_foot = rot_deg("x", -pt.plantar_deg[i]) @ rot_deg("y", pt.tilt_deg[i])
    R_turn = rot_deg("z", -pt.turn_deg[i])
    mirror = np.diag([-1.0, 1.0, 1.0]) if side == "left" else np.eye(3)
    R_out = rot_deg("z", pt.leg_yaw_deg[i]) @ LOCAL2AXIS @ mirror @ R_turn
    return R_foot, R_out


def _shape(mesh: Mesh, scale: float, girth: float):
    v = mesh.verts * np.float32(scale)
    if girth != 1.0:
        g = (1 + (girth - 1) * mesh.leg_weight)[:, None]
        front = SHIN_FRONT_MM * scale
        v = v.copy()
        v[:, 0:1] *= g
        v[:, 1:2] = front + (v[:, 1:2] - front) * g
    return v


def _meshes_for(drop: DropScene):
    kind, _ = FOOTWEAR[drop.patient.footwear]
    meshes = [("limb", limb_mesh(kind == "bare"))]
    if drop.patient.legwear != "bare":
        meshes.append(("trousers", trousers_mesh()))
    if kind in ("dress", "sneaker"):
        meshes.append(("shoe", shoe_mesh(kind)))
    return meshes


@lru_cache(maxsize=8)
def _posed_at_origin(patient):
    """Both limbs posed with their ankles at x = y = 0 (shifted into place by :func:`_posed`)."""
    drop = DropScene(patient=patient)
    out, heels = [], {}
    for i, side in enumerate(SIDES):
        R_foot, R_out = _limb_transform(drop, i)
        posed = []
        for kind, mesh in _meshes_for(drop):
            faces = mesh.faces
            if kind == "trousers":  # cut at the hem: drop the triangles wholly below it
                faces = faces[(mesh.verts[faces, 2] >= patient.hem_mm / patient.foot_scale).any(axis=1)]
            v = _shape(mesh, patient.foot_scale, patient.girth_scale)
            v, n = _blend_rotate(v, mesh.normals, mesh.leg_weight, R_foot)
            v, n = v @ R_out.T, n @ R_out.T
            if side == "left":
                faces = faces[:, ::-1]
            posed.append([kind, mesh, v.astype(np.float32), n.astype(np.float32), np.ascontiguousarray(faces)])
        # Set the limb down: its lowest leg point over the calf and shin touches z = 0.
        lift = 0.0
        for kind, mesh, v, _, _ in posed:
            if kind in ("limb", "trousers"):
                leg = (mesh.leg_weight == 1) & (mesh.verts[:, 2] > 80) & (mesh.verts[:, 2] < 600)
                lift = max(lift, -float(v[leg, 2].min()))
        lm_kind = "shoe" if any(p[0] == "shoe" for p in posed) else "limb"
        for kind, mesh, v, n, faces in posed:
            if kind == "limb" and patient.legwear != "bare":
                # Inside the trouser leg the skin is never seen: keep the limb up to a little above the hem.
                top = (patient.hem_mm + 60.0) / patient.foot_scale
                faces = faces[(mesh.verts[faces, 2] < top).any(axis=1)]
            v = v + np.array([0.0, 0.0, lift], np.float32)
            out.append(PosedMesh(v, n, faces, mesh.verts, mesh.part, side, kind))
            if kind == lm_kind:
                d = R_out @ (R_foot @ HEEL_DIRECTION)
                heels[side] = Heel(v[mesh.landmark].astype(np.float64), d, len(out) - 1, mesh.landmark)
    return tuple(out), heels


@lru_cache(maxsize=8)
def _posed(drop: DropScene):
    if not drop.patient_present:
        return (), {}
    meshes, heels = _posed_at_origin(replace(drop.patient, ankle_mm=((0.0, 0.0), (0.0, 0.0))))
    shift = {s: np.array([*drop.patient.ankle_mm[i], 0.0]) for i, s in enumerate(SIDES)}
    out = tuple(replace(m, verts=m.verts + shift[m.side].astype(np.float32)) for m in meshes)
    hs = {s: replace(h, point_mm=h.point_mm + shift[s]) for s, h in heels.items()}
    return out, hs


def posed_meshes(drop: DropScene) -> tuple:
    """The posed meshes of both limbs, cached per scene.

    Parameters
    ----------
    drop : DropScene

    Returns
    -------
    tuple of PosedMesh
        Limb, then trousers and shoe when worn, left limb first; table-axis frame, mm.
    """
    return _posed(drop)[0]


def heel_landmarks(drop: DropScene) -> dict:
    """The posed heel landmarks.

    Parameters
    ----------
    drop : DropScene

    Returns
    -------
    dict
        ``{"left": Heel, "right": Heel}``; ``point_mm`` (3,) in the table-axis frame, mm, and
        ``direction`` (3,) the landmark's direction (posterior + plantar) there.
    """
    return _posed(drop)[1]

