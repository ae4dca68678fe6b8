"""The annotated copy of a measured photo: what was measured, drawn where it was measured.

Drawn: the board's outline and its axes (+x to the patient's right, +y to the head),
the table's edges that gave its axis and the axis itself (a dashed line through the board's
centre), each heel point with its tab outline, a line across the table through each heel
(constant y along the table's axis at that heel's height) so the offset between them can be
seen, and the figure with its uncertainty, where the axis came from and any warnings. Without tabs
(contour and manual modes) each heel also gets a magnified inset, a quarter of the
photo's width, showing the heel's outline and the point found on it: large enough to
judge on a phone whether the point sits on the back of the heel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._cv import cv2
from ..fileio import PRIVATE
from ..geometry import Pose, project_table

#: Long side of the annotated image, px (a 12 MP copy is slow to write and no easier to read).
OUT_SIDE_PX = 2000
LEFT_BGR = (255, 140, 0)
RIGHT_BGR = (0, 120, 255)
TABLE_BGR = (255, 0, 255)


def draw(bgr: np.ndarray, measurement, board2cam: Pose, K: np.ndarray, dist: np.ndarray, board_spec,
         outlines: dict | None = None) -> np.ndarray:
    """An annotated copy of a measured photo, scaled so its long side is at most :data:`OUT_SIDE_PX`.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
        The photo as displayed.
    measurement : Measurement
        What to draw: heel positions (table-axis frame, mm), the table lines used
        (``details["table_lines"]``, table frame), the summary and warnings.
    board2cam : Pose
        The board's pose (board frame to camera, mm).
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) for this photo.
    board_spec : BoardSpec
    outlines : dict, optional
        ``{"left": (N, 2), "right": (N, 2)}`` photo-pixel polygons to draw (tab outlines, heel contours).

    Returns
    -------
    ndarray, uint8, shape (h, w, 3)
        BGR.
    """
    cv = cv2()
    h, w = bgr.shape[:2]
    s = min(1.0, OUT_SIDE_PX / max(h, w))
    img = cv.resize(bgr, (round(w * s), round(h * s)), interpolation=cv.INTER_AREA) if s < 1 else bgr.copy()
    lw = max(2, round(img.shape[1] / 700))

    def P(pts_table):
        px = project_table(np.asarray(pts_table, float), board2cam, K, dist)
        return ((px + 0.5) * s - 0.5)

    def poly(pts, colour, closed=False, thick=lw):
        cv.polylines(img, [np.round(pts * 16).astype(np.int32)], closed, colour, thick, cv.LINE_AA, shift=4)

    bw, bh = board_spec.width_mm, board_spec.height_mm
    poly(P([[0, 0, 0], [bw, 0, 0], [bw, -bh, 0], [0, -bh, 0]]), (60, 220, 60), closed=True)
    o, ax, ay = P([[0, 0, 0], [80, 0, 0], [0, 50, 0]])
    cv.arrowedLine(img, tuple(np.round(o).astype(int)), tuple(np.round(ax).astype(int)), (0, 0, 255), lw, cv.LINE_AA, tipLength=0.2)
    cv.arrowedLine(img, tuple(np.round(o).astype(int)), tuple(np.round(ay).astype(int)), (0, 200, 0), lw, cv.LINE_AA, tipLength=0.2)
    fs = img.shape[1] / 1600
    _label(img, "x (patient's right)", ax, (0, 0, 255), fs)
    (tw, _), _ = cv.getTextSize("y (HEAD)", cv.FONT_HERSHEY_SIMPLEX, 0.8 * fs, max(1, int(2 * fs)))
    _label(img, "y (HEAD)", ay + [-tw - 6 * lw, 0], (0, 200, 0), fs)  # left of the arrow, clear of the LEFT heel
    theta = float((measurement.table_axis or {}).get("board_to_table_deg", 0.0))
    c, sn = np.cos(np.radians(theta)), np.sin(np.radians(theta))
    a2t = np.array([[c, -sn, 0.0], [sn, c, 0.0], [0.0, 0.0, 1.0]])  # table-axis frame -> table frame
    for line in measurement.details.get("table_lines", []):
        (xa, ya), (xb, yb) = line["ends_mm"]
        poly(P([[xa + (xb - xa) * k, ya + (yb - ya) * k, 0.0] for k in np.linspace(0, 1, 40)]), TABLE_BGR,
             thick=lw + 1)
    if measurement.details.get("table_lines"):
        centre = np.array([bw / 2, -bh / 2, 0.0])
        dashes = [centre + a2t @ np.array([0.0, v, 0.0]) for v in np.arange(-260.0, 300.0, 20.0)]
        for k in range(0, len(dashes) - 1, 2):
            poly(P(dashes[k:k + 2]), TABLE_BGR, thick=max(1, lw // 2 + 1))
        _label(img, "table axis", P([dashes[-1]])[0] + [4 * lw, 0], TABLE_BGR, fs)
    heels = {"left": np.asarray(measurement.left_heel_mm, float), "right": np.asarray(measurement.right_heel_mm, float)}
    xs = [heels["left"][0], heels["right"][0]] + [float((a2t.T @ [x, y, 0.0])[0]) for x in (0.0, bw) for y in (0.0, -bh)]
    x0, x1 = min(xs) - 60, max(xs) + 60
    for side, colour in (("left", LEFT_BGR), ("right", RIGHT_BGR)):
        hx, hy, hz = heels[side]
        poly(P([a2t @ [x, hy, hz] for x in np.linspace(x0, x1, 30)]), colour, thick=max(1, lw // 2))
        if outlines and side in outlines:
            poly((np.asarray(outlines[side], float) + 0.5) * s - 0.5, colour, closed=True)
        c = P([a2t @ heels[side]])[0]
        cv.circle(img, tuple(np.round(c).astype(int)), 3 * lw, colour, -1, cv.LINE_AA)
        _label(img, side.upper(), c + [4 * lw, -4 * lw], colour, fs)
    if measurement.method in ("contour", "manual"):
        _insets(img, bgr, {k: a2t @ v for k, v in heels.items()}, board2cam, K, dist, outlines or {}, lw)
    lines = [measurement.summary(), f"view {measurement.view_elevation_deg:.0f} deg above table, "
             f"camera: {measurement.camera_source}, board fit {measurement.board_reprojection_px:.2f} px"]
    axis_text = measurement.axis_text()
    if axis_text:
        lines.append(axis_text.replace("\u00b0", " deg").replace("\u00b1", "+/-"))  # Hershey fonts are ASCII
    lines += [f"! {wt}" for wt in measurement.warnings[:3]]
    y = int(40 * fs) + 10
    for i, text in enumerate(lines):
        scale = fs * (1.2 if i == 0 else 0.8)
        colour = (255, 255, 255) if not text.startswith("!") else (80, 200, 255)
        _text_box(img, text[:110], (12, y), scale, colour)
        y += int(42 * scale) + 8
    return img


#: Each heel's inset shows this much around the heel point on the heel-height plane, mm (half-width).
INSET_HALF_MM = 40.0
#: ... and is this share of the annotated image's width.
INSET_SHARE = 0.27


def _insets(img, bgr, heels, board2cam, K, dist, outlines, lw):
    """Magnified views of both heels in the bottom corners: the outline and the point found on it."""
    cv = cv2()
    h, w = img.shape[:2]
    side_px = int(INSET_SHARE * w)
    for i, (side, colour) in enumerate((("left", LEFT_BGR), ("right", RIGHT_BGR))):
        hx, hy, hz = heels[side]
        r = INSET_HALF_MM
        sq = project_table(np.array([[hx + dx, hy + dy, hz] for dx in (-r, r) for dy in (-r, r)]), board2cam, K, dist)
        c = project_table(np.array([[hx, hy, hz]]), board2cam, K, dist)[0]
        half = float(np.max(np.abs(sq - c)))
        x0, y0 = c - half
        if half < 4:
            continue
        src = np.float32([[x0, y0], [x0 + 2 * half, y0], [x0, y0 + 2 * half]])
        dst = np.float32([[0, 0], [side_px, 0], [0, side_px]])
        A = cv.getAffineTransform(src, dst)
        tile = cv.warpAffine(bgr, A, (side_px, side_px), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_CONSTANT)
        if side in outlines and len(outlines[side]):
            pts = np.asarray(outlines[side], float) @ A[:, :2].T + A[:, 2]
            cv.polylines(tile, [np.round(pts * 16).astype(np.int32)], True, colour, max(2, lw), cv.LINE_AA, shift=4)
        p = np.round(c @ A[:, :2].T + A[:, 2]).astype(int)
        arm = side_px // 10
        for d in ((1, 0), (0, 1)):
            a, b = p - np.multiply(d, arm), p + np.multiply(d, arm)
            cv.line(tile, tuple(int(v) for v in a), tuple(int(v) for v in b), (255, 255, 255), max(3, lw + 2), cv.LINE_AA)
            cv.line(tile, tuple(int(v) for v in a), tuple(int(v) for v in b), colour, max(1, lw), cv.LINE_AA)
        cv.circle(tile, tuple(int(v) for v in p), max(3, lw * 2), colour, max(1, lw), cv.LINE_AA)
        cv.rectangle(tile, (0, 0), (side_px - 1, side_px - 1), colour, max(2, lw))
        _label(tile, f"{side.upper()} heel", (8, 30 * side_px / 500), colour, side_px / 500)
        x = 8 if i == 0 else w - side_px - 8
        img[h - side_px - 8:h - 8, x:x + side_px] = tile


def _label(img, text, xy, colour, fs):
    cv = cv2()
    p = tuple(np.round(np.asarray(xy, float)).astype(int))
    cv.putText(img, text, p, cv.FONT_HERSHEY_SIMPLEX, 0.8 * fs, (0, 0, 0), max(3, int(5 * fs)), cv.LINE_AA)
    cv.putText(img, text, p, cv.FONT_HERSHEY_SIMPLEX, 0.8 * fs, colour, max(1, int(2 * fs)), cv.LINE_AA)


def _text_box(img, text, org, scale, colour):
    cv = cv2()
    thick = max(1, int(2 * scale))
    (tw, th), base = cv.getTextSize(text, cv.FONT_HERSHEY_SIMPLEX, scale, thick)
    x, y = org
    sub = img[max(0, y - th - 6):y + base + 4, max(0, x - 6):x + tw + 6]
    sub[:] = (sub * 0.35).astype(np.uint8)
    cv.putText(img, text, (x, y), cv.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv.LINE_AA)


#: Starts the JPEG comment that marks an annotated copy as legcheck's, followed by the SHA-256 (hex) of
#: the photo it was drawn on: how ``legcheck measure`` knows its own earlier copy of the same photo.
MARK = b"legcheck annotated copy of photo sha256:"


def encode(img: np.ndarray, suffix: str = ".jpg", photo_sha256: str | None = None) -> bytes:
    """An image as JPEG (``.jpg``/``.jpeg``, quality 90) or PNG (any other suffix).

    Parameters
    ----------
    img : ndarray, uint8, shape (H, W, 3)
        BGR.
    suffix : str
        The file's suffix, which picks the format.
    photo_sha256 : str, optional
        The photo the image was drawn on: a JPEG gets a comment (COM segment right after SOI)
        :data:`MARK` + this hash. Nothing else about the patient or the photo is written.

    Returns
    -------
    bytes
    """
    cv = cv2()
    ext = suffix.lower() if suffix.lower() in (".png", ".jpg", ".jpeg") else ".png"
    ok, buf = cv.imencode(ext, img, [cv.IMWRITE_JPEG_QUALITY, 90] if ext != ".png" else [])
    data = buf.tobytes()
    if photo_sha256 and ext != ".png":
        body = MARK + photo_sha256.encode("ascii")
        data = data[:2] + b"\xff\xfe" + (len(body) + 2).to_bytes(2, "big") + body + data[2:]
    return data


def drawn_on(path) -> str | None:
    """The SHA-256 of the photo an annotated copy at ``path`` was drawn on, if legcheck wrote it; else None.

    Reads only the file's first bytes (a regular file's; anything else is None).
    """
    import os
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as fh:
            head = fh.read(6 + len(MARK) + 64)
    except OSError:
        return None
    if head[:4] != b"\xff\xd8\xff\xfe" or head[6:6 + len(MARK)] != MARK:
        return None
    sha = head[6 + len(MARK):].decode("ascii", "replace")
    return sha if len(sha) == 64 and all(c in "0123456789abcdef" for c in sha) else None


def save(img: np.ndarray, path, photo_sha256: str | None = None, *, overwrite: bool = False, inputs=()) -> None:
    """Write an image as :func:`encode` makes it, under the one output rule, atomically, owner-only.

    Parameters
    ----------
    img : ndarray, uint8, shape (H, W, 3)
        BGR.
    path : str or Path
        Any path, non-ASCII included, ending in .jpg, .jpeg or .png (any case), in a folder
        that exists.
    photo_sha256 : str, optional
        Marks a JPEG as legcheck's annotated copy of that photo (:func:`encode`).
    overwrite : bool
        Replace an existing file.
    inputs : iterable of Path
        The command's input files, never replaced.

    Raises
    ------
    UsageError, OutputExistsError, FileAccessError
        As :func:`legcheck.outputs.check_output` (a suffix not of an image included), or the file
        cannot be written.
    """
    from ..outputs import check_suffix, write_output

    path = check_suffix(path, "image")
    write_output(path, encode(img, path.suffix, photo_sha256), mode=PRIVATE, overwrite=overwrite,
                 inputs=inputs)  # an annotated photo is patient data
