"""What a photo shows around the board: table, paper, the table's end, the floor beyond.

:func:`look` reduces the photo, maps every reduced pixel to the table plane (z = 0) and to the
heel-height plane, and learns from the photo itself:

- the board's **paper**: how far the white paper reaches beyond the printed squares on each side;
- the **table's colours**: from bands just beyond the paper on the board's HEAD and foot sides
  (across the board's own width, where no leg lies: the legs lie beside the board);
- the table's **end** (:mod:`legcheck.vision.tableend`), which also says which way the feet are;
- the **floor's colours**: from the plan beyond the end (the floor is what lies beyond the
  table; the feet there are few pixels among many).

Frames: ``s`` is the reduced copy's scale (reduced px = (photo px + 0.5) s - 0.5); table points
are mm in the table frame (docs/conventions.md).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .._cv import cv2
from ..geometry import Pose, backproject_to_height, project_table
from . import colours
from .tableend import TableEnd, find_end, make_plan

#: Long side of the reduced copy the scene is analysed on, px.
WORK_SIDE_PX = 900
#: Paper beyond the printed squares is looked for out to this, mm (a sheet larger than the print).
MAX_PAPER_MM = 45.0


@dataclass
class TableView:
    """A photo seen as table, paper, end and floor (see the module docstring).

    Attributes
    ----------
    s : float
        Scale of the reduced copy.
    small : ndarray, uint8, shape (h, w, 3)
        The reduced photo.
    feat : ndarray, float32, shape (h, w, 3)
        Its colour features (:func:`legcheck.vision.colours.features`).
    tx0, ty0, txh, tyh : ndarray, shape (h, w)
        Table x, y (mm) of each reduced pixel on the table plane and on the heel-height plane.
    mm_per_px : float
        Typical table millimetres per reduced pixel at heel height.
    paper : ndarray, uint8, shape (h, w)
        1 on the board and its paper.
    paper_mm : dict
        Paper beyond the squares per side ("x-", "x+", "y-", "y+"), mm.
    table_model, floor_model : list of Centre
    end : TableEnd or None
    """

    s: float
    small: np.ndarray
    feat: np.ndarray
    tx0: np.ndarray
    ty0: np.ndarray
    txh: np.ndarray
    tyh: np.ndarray
    mm_per_px: float
    paper: np.ndarray
    paper_mm: dict
    table_model: list
    floor_model: list
    end: TableEnd | None
    board2cam: Pose = field(repr=False, default=None)
    K: np.ndarray = field(repr=False, default=None)
    dist: np.ndarray = field(repr=False, default=None)
    board_spec: object = field(repr=False, default=None)
    heel_height_mm: float = 100.0

    def beyond_mm(self, at_heel: bool = False) -> np.ndarray:
        """Distance (mm) of every reduced pixel beyond the table's end on the table (or heel-height) plane.

        Without an end found, -1000 everywhere (all on the table).
        """
        if self.end is None:
            return np.full(self.tx0.shape, -1000.0)
        x, y = (self.txh, self.tyh) if at_heel else (self.tx0, self.ty0)
        return self.end.beyond_mm(x, y, self.board_spec)

    def to_reduced(self, pts_table_mm: np.ndarray) -> np.ndarray:
        """Table-frame points (N, 3) to reduced-copy pixels (N, 2)."""
        return (project_table(np.asarray(pts_table_mm, float), self.board2cam, self.K, self.dist) + 0.5) * self.s - 0.5


def look(bgr: np.ndarray, board2cam: Pose, K: np.ndarray, dist: np.ndarray, board_spec,
         heel_height_mm: float, work_side_px: int = WORK_SIDE_PX) -> TableView:
    """Learn the table, its end and the floor from one photo (see the module docstring).

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
        The photo as displayed.
    board2cam : Pose
    K, dist : ndarray
        Intrinsics for this photo.
    board_spec : BoardSpec
    heel_height_mm : float
        Height of the heel-height plane, mm.
    work_side_px : int
        Long side of the reduced copy.

    Returns
    -------
    TableView
    """
    cv = cv2()
    H, W = bgr.shape[:2]
    s = min(1.0, work_side_px / max(H, W))
    small = cv.resize(bgr, (round(W * s), round(H * s)), interpolation=cv.INTER_AREA) if s < 1 else bgr.copy()
    h, w = small.shape[:2]
    feat = colours.features(small)
    tx0, ty0 = table_xy_map(h, w, s, K, dist, board2cam, 0.0)
    txh, tyh = table_xy_map(h, w, s, K, dist, board2cam, heel_height_mm)
    mm_per_px = float(np.median(np.hypot(np.diff(txh, axis=1), np.diff(tyh, axis=1))))
    view = TableView(s, small, feat, tx0, ty0, txh, tyh, mm_per_px, np.zeros((h, w), np.uint8), {}, [], [], None,
                     board2cam, K, dist, board_spec, heel_height_mm)
    view.paper_mm = _paper_margins(view)
    view.paper = _paper_mask(view)
    margin = float(np.median(list(view.paper_mm.values())))
    near = [_band(view, side, margin + 6, margin + 40) for side in (-1, 1)]
    view.table_model = colours.learn(np.concatenate(near), k=4, min_share=0.1)
    view.end = find_end(make_plan(feat, s, board2cam, K, dist, board_spec), board_spec)
    if view.end is not None:
        view.floor_model = colours.learn(_beyond_samples(view), k=4, min_share=0.15)
    return view


def _sample(view: TableView, x_mm, y_mm) -> np.ndarray:
    """Features (N, 3) at table-plane points (NaN where outside the photo)."""
    cv = cv2()
    pts = np.c_[np.ravel(x_mm), np.ravel(y_mm), np.zeros(np.size(x_mm))]
    px = view.to_reduced(pts)
    h, w = view.feat.shape[:2]
    ok = (px[:, 0] >= 1) & (px[:, 0] < w - 2) & (px[:, 1] >= 1) & (px[:, 1] < h - 2)
    out = np.full((len(pts), 3), np.nan, np.float32)
    if ok.any():
        out[ok] = cv.remap(view.feat, px[ok, 0].astype(np.float32)[None], px[ok, 1].astype(np.float32)[None],
                           cv.INTER_LINEAR)[0]
    return out


def _paper_margins(view: TableView) -> dict:
    """How far the paper reaches beyond the squares on each side, mm: where the colour leaves the paper's."""
    bw, bh = view.board_spec.width_mm, view.board_spec.height_mm
    d = np.arange(2.0, MAX_PAPER_MM, 1.0)
    ts = np.linspace(0.1, 0.9, 15)
    T, D = np.meshgrid(ts, d)
    sides = {"x-": (-D, -bh * T), "x+": (bw + D, -bh * T), "y-": (bw * T, -bh - D), "y+": (bw * T, D)}
    out = {}
    for name, (xs, ys) in sides.items():
        f = _sample(view, xs, ys).reshape(len(d), len(ts), 3)
        ref = np.nanmedian(f[:3].reshape(-1, 3), axis=0)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            diff = np.nanmax(np.abs(f - ref) / np.array([0.25, 0.15, 0.15]), axis=2)
            off = np.nanmedian(diff, axis=1) > 1.0
        out[name] = float(d[int(np.argmax(off))]) if off.any() else float(d[-1])
    return out


def _paper_mask(view: TableView) -> np.ndarray:
    cv = cv2()
    bw, bh = view.board_spec.width_mm, view.board_spec.height_mm
    m = view.paper_mm
    poly = [[-m["x-"], m["y+"], 0], [bw + m["x+"], m["y+"], 0], [bw + m["x+"], -bh - m["y-"], 0],
            [-m["x-"], -bh - m["y-"], 0]]
    mask = np.zeros(view.feat.shape[:2], np.uint8)
    cv.fillPoly(mask, [np.round(view.to_reduced(poly)).astype(np.int32)], 1)
    return mask


def _band(view: TableView, side: int, d0: float, d1: float) -> np.ndarray:
    """Features in a band d0..d1 mm beyond the board's edge on ``side`` (+1 HEAD edge), across its width."""
    bw, bh = view.board_spec.width_mm, view.board_spec.height_mm
    xs, ds = np.meshgrid(np.linspace(15, bw - 15, 24), np.linspace(d0, d1, 10))
    ys = ds if side > 0 else -bh - ds
    f = _sample(view, xs, ys)
    return f[np.isfinite(f).all(axis=1)]


def _beyond_samples(view: TableView) -> np.ndarray:
    """Features on the plan 60-700 mm beyond the table's end, across the whole width around the board."""
    end, b = view.end, view.board_spec
    t = np.radians(end.angle_deg)
    xs, rr = np.meshgrid(np.linspace(-800, b.width_mm + 800, 60), np.linspace(end.offset_mm + 60, end.offset_mm + 700, 30))
    from .tableend import reference_y

    ys = reference_y(b, end.side) + end.side * (rr + (xs - b.width_mm / 2) * np.sin(t)) / np.cos(t)
    f = _sample(view, xs, ys)
    return f[np.isfinite(f).all(axis=1)]


def table_xy_map(h: int, w: int, s: float, K: np.ndarray, dist: np.ndarray, board2cam: Pose, height_mm: float,
                 step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Table (x, y), mm, at ``height_mm`` of every pixel of the copy reduced by ``s``.

    Solved exactly every ``step`` pixels and interpolated: the map is smooth, and undistorting
    a million points one by one is most of contour mode's time otherwise.

    Parameters
    ----------
    h, w : int
        Size of the reduced copy, pixels.
    s : float
        Its scale.
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) of the full-size photo.
    board2cam : Pose
    height_mm : float
        Height of the plane above the table, mm.
    step : int

    Returns
    -------
    tx, ty : ndarray, float64, shape (h, w)
    """
    cv = cv2()
    gu = np.arange(0, w + step, step, dtype=np.float64)
    gv = np.arange(0, h + step, step, dtype=np.float64)
    U, V = np.meshgrid(gu, gv)
    full = np.c_[(U.ravel() + 0.5) / s - 0.5, (V.ravel() + 0.5) / s - 0.5]
    txy = backproject_to_height(full, K, dist, board2cam, height_mm).astype(np.float32)
    mx = np.tile((np.arange(w, dtype=np.float32) / step)[None, :], (h, 1))
    my = np.tile((np.arange(h, dtype=np.float32) / step)[:, None], (1, w))
    gx = txy[:, 0].reshape(len(gv), len(gu))
    gy = txy[:, 1].reshape(len(gv), len(gu))
    return (cv.remap(gx, mx, my, cv.INTER_LINEAR).astype(np.float64),
            cv.remap(gy, mx, my, cv.INTER_LINEAR).astype(np.float64))
