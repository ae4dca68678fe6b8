"""The result of one leg-check photo: the :class:`Measurement` value, its summary, and the checks
and warnings that every way of measuring shares.

lld_mm is the left heel's y minus the right heel's y along the table's axis (table-axis frame, +y
towards the head; :mod:`legcheck.measure.table_axis`): positive means the LEFT heel sits further
towards the head, i.e. the left leg appears short.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import UsageError
from ..units import bound, check_units, figure, inches, suffix
from ..records.vocabulary import EVEN_BELOW_MM, MAX_EVEN_BELOW_MM, short_leg_of  # noqa: F401  (tabs and points take them from here)

#: Views lower than this above the table are flagged as too oblique to trust.
OBLIQUE_LIMIT_DEG = 45.0
#: Between this and OBLIQUE_LIMIT_DEG the view is flagged as oblique (wider uncertainty).
OBLIQUE_SOFT_DEG = 60.0
#: A board fit worse than this (RMS reprojection, px) is flagged.
POOR_BOARD_FIT_PX = 1.0
#: An uncertainty wider than this (mm, 95 %) is flagged with what to do about it.
WIDE_UNCERTAINTY_MM = 2.0
#: At or above this ``confidence`` (contour mode's, calibrated on the renders: at least 95 % of
#: such results lie within their bound) the heels are taken as found; below it the one-line result
#: says the side is not certain.
CONFIDENT = 0.8
#: Names of the methods, for people.
METHOD_NAMES = {"tabs": "heel tabs", "contour": "heel contours", "manual": "manual points"}


@dataclass(frozen=True)
class Measurement:
    """The result of one leg-check photo. Fields are the ``--json`` contract.

    Attributes
    ----------
    lld_mm : float
        Left heel's y minus the right heel's along the table's axis, mm; positive: the LEFT leg
        appears short.
    short_leg : {"left", "right", "even"}
    uncertainty_mm : float
        Half-width of the 95 % interval of lld_mm, mm.
    method : {"tabs", "contour", "manual"}
    left_heel_mm, right_heel_mm : tuple of float, (3,)
        Heel landmarks (x, y, z) in the table-axis frame (the table frame turned about z by
        ``table_axis["board_to_table_deg"]``), mm.
    camera_source : str
        Where the intrinsics came from ("profile", "board", ...).
    board_reprojection_px : float
        RMS reprojection error of the board's pose fit, px.
    view_elevation_deg : float
        Optical axis above the table plane, degrees (90: straight down).
    image : dict
        The photo's path, size, sha256 and EXIF orientation.
    warnings : tuple of str
        For people: what may make this figure less sure, and what to do.
    confidence : float
        In (0, 1]; below 1 where heels were found with doubts (contour mode).
    even_below_mm : float
        The threshold ``short_leg`` used.
    details : dict
        Diagnostics (corner counts, edge fits, focal length, camera distance, heel pixels, the table
        lines used and rejected).
    table_axis : dict
        Where the table's axis came from: ``source`` ("table edge", "table end" or "board"),
        ``board_to_table_deg`` (the axis from the board's +y, counter-clockwise seen from above) and
        ``sigma_deg`` (its 1-sigma; with source "board" the assumed alignment, 0 when the board
        was squared). Empty in results stored before the axis was measured.
    assisted : bool
        Contour mode looked for each heel near a rough point given by the user (a tap).
    """

    lld_mm: float
    short_leg: str
    uncertainty_mm: float
    method: str
    left_heel_mm: tuple
    right_heel_mm: tuple
    camera_source: str
    board_reprojection_px: float
    view_elevation_deg: float
    image: dict = field(default_factory=dict)
    warnings: tuple = ()
    confidence: float = 1.0
    even_below_mm: float = EVEN_BELOW_MM
    details: dict = field(default_factory=dict)
    assisted: bool = False
    table_axis: dict = field(default_factory=dict)

    def to_json(self, units: str = "mm") -> dict:
        """The ``--json`` object: every field, lengths rounded to micrometres.

        Parameters
        ----------
        units : {"mm", "in"}
            With "in", ``lld_in`` and ``uncertainty_in`` (decimal inches) are added; the
            millimetre fields stay.

        Raises
        ------
        UsageError
            Unknown units.
        """
        d = asdict(self)
        d["left_heel_mm"] = [round(float(v), 3) for v in self.left_heel_mm]
        d["right_heel_mm"] = [round(float(v), 3) for v in self.right_heel_mm]
        d["warnings"] = list(self.warnings)
        for k in ("lld_mm", "uncertainty_mm"):
            d[k] = round(float(d[k]), 3)
        d["board_reprojection_px"] = round(float(d["board_reprojection_px"]), 4)
        d["view_elevation_deg"] = round(float(d["view_elevation_deg"]), 2)
        if check_units(units) == "in":
            d.update(lld_in=inches(self.lld_mm), uncertainty_in=inches(self.uncertainty_mm))
        return d

    def summary(self, units: str = "mm") -> str:
        """One line for people.

        Parameters
        ----------
        units : {"mm", "in"}
            Millimetres, or inches to the nearest 1/16" (:mod:`legcheck.units`).

        Returns
        -------
        str
            For example ``Right leg short by 4.2 mm (± 0.4 mm, heel tabs)``, or in inches
            ``Right leg short by 3/16" (± 1/16", heel tabs)``; when the bound reaches past zero,
            ``Left leg short by 2.1 mm (± 4.0 mm, heel contours; the side is not certain)``; when
            the heels were found with doubts (``confidence`` under :data:`CONFIDENT`),
            ``... (± 17.8 mm, heel contours; low confidence 0.37, the side is not certain)``.

        Raises
        ------
        UsageError
            Unknown units.
        """
        how = METHOD_NAMES.get(self.method, self.method) + (" near your taps" if self.assisted else "")
        pm = f"\u00b1 {bound(self.uncertainty_mm, units)}{suffix(units)}, {how}"
        if self.short_leg == "even":
            return f"Legs even: {figure(abs(self.lld_mm), units)} difference ({pm})"
        # A bound reaching past zero cannot name the side: said so, never left to be read as certain.
        unsure = "; the side is not certain" if abs(self.lld_mm) <= self.uncertainty_mm else ""
        if self.confidence < CONFIDENT:
            # Heels found with doubts (see the warnings) may be the wrong points: the bound assumes
            # they are right, so a doubted result never reads as certain either.
            unsure = f"; low confidence {self.confidence:.2f}, the side is not certain"
        return f"{self.short_leg.capitalize()} leg short by {figure(abs(self.lld_mm), units)} ({pm}{unsure})"

    def axis_text(self) -> str | None:
        """Where the table's axis came from, for people (:func:`legcheck.measure.table_axis.describe_axis`)."""
        from .table_axis import describe_axis

        return describe_axis(self.table_axis)


def check_even_below_mm(even_below_mm: float) -> float:
    """``even_below_mm`` as a float, checked.

    Raises
    ------
    UsageError
        Not a number, NaN, infinite, negative or above :data:`MAX_EVEN_BELOW_MM`.
    """
    from ..records.inputs import require_mm

    return require_mm("even_below_mm", even_below_mm, MAX_EVEN_BELOW_MM, signed=False)


def view_warnings(elevation_deg: float) -> list[str]:
    """Warnings for a view ``elevation_deg`` degrees above the table (none from 60 degrees up)."""
    if elevation_deg < OBLIQUE_LIMIT_DEG:
        return [f"view too oblique: the camera looks {elevation_deg:.0f} degrees above the table (under "
                f"{OBLIQUE_LIMIT_DEG:.0f}); do not trust this figure, retake the photo from more directly above the heels"]
    if elevation_deg < OBLIQUE_SOFT_DEG:
        return [f"oblique view ({elevation_deg:.0f} degrees above the table): the uncertainty is wider; "
                "a photo from more directly above the heels is more precise"]
    return []


#: What to do about a camera profile that makes most of a wide bound.
RECALIBRATE_ADVICE = ("re-calibrate the camera: make a new profile from more varied board photos, the board tilted "
                      "30-45 degrees in different directions and reaching the edges and corners of the frame")


def wide_uncertainty_warnings(unc_mm: float, profile_mm: float, axis_mm: float, photo_why: str) -> list[str]:
    """What to do when the bound is wide, naming the part that makes it wide: the camera profile or the photo.

    The bound's parts add in quadrature: the camera profile's (``profile_mm``), the table axis's
    (``axis_mm``, which has its own warning) and the rest, the photo's. Over
    :data:`WIDE_UNCERTAINTY_MM` without the axis's part, the larger of the other two is named with
    its remedy, and the smaller too when it alone is over the limit: a wide bound from a poorly
    known camera is not made narrower by retaking the photo.

    Parameters
    ----------
    unc_mm : float
        The 95 % bound, mm.
    profile_mm : float
        The camera profile's part of it (``uncertainty_from_profile_mm``), mm, 95 %.
    axis_mm : float
        The table axis's part (:func:`legcheck.measure.table_axis.axis_part_mm`), mm, 95 %.
    photo_why : str
        The photo's warning after "the uncertainty is large (± N mm)": why and what to retake,
        with its leading punctuation.

    Returns
    -------
    list of str
        Empty when the bound is not wide.
    """
    photo_mm = float(np.sqrt(max(unc_mm ** 2 - profile_mm ** 2 - axis_mm ** 2, 0.0)))
    if np.hypot(photo_mm, profile_mm) <= WIDE_UNCERTAINTY_MM:
        return []
    out = []
    if profile_mm >= photo_mm or profile_mm > WIDE_UNCERTAINTY_MM:
        out.append(f"the uncertainty is large (± {unc_mm:.1f} mm), ± {profile_mm:.1f} mm of it from the camera "
                   f"profile; {RECALIBRATE_ADVICE}")
    if photo_mm > profile_mm or photo_mm > WIDE_UNCERTAINTY_MM:
        out.append(f"the uncertainty is large (± {unc_mm:.1f} mm){photo_why}")
    return out


def board_fit_warnings(board_rms_px: float) -> list[str]:
    """A warning when the board's pose fit leaves more than :data:`POOR_BOARD_FIT_PX` px RMS."""
    if board_rms_px > POOR_BOARD_FIT_PX:
        return [f"the board fits poorly ({board_rms_px:.2f} px RMS): it may not lie flat, "
                "or the camera profile may not suit this photo"]
    return []


def pose_details(n_corners: int, K: np.ndarray, board2cam) -> dict:
    """The diagnostics every method reports: board corners used, focal length (px), camera distance (mm)."""
    return {"board_corners": int(n_corners), "focal_px": round(float(K[0, 0]), 2),
            "camera_distance_mm": round(float(np.linalg.norm(board2cam.t)), 1)}
