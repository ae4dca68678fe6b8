"""The chain's second half: a photo measured, annotated and recorded as a leg check, in one step.

:func:`record_check` and :func:`record_checks` (a batch, all or nothing) are what the CLI's
``check`` and the web app call; they run :func:`legcheck.pipeline.measure_photo` and
:func:`legcheck.pipeline.annotate` and hand the results to a
:class:`~legcheck.records.protocol.Store`. :class:`MeasureOptions` bundles every option of a
measurement.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import DuplicatePhotoError, LegcheckError, UsageError
from ..measure.measurement import Measurement
from .measuring import DEFAULT_HEEL_HEIGHT_MM, MeasureResult, annotate, measure_photo
from ..records.vocabulary import EVEN_BELOW_MM, require_term
from ..targets.spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec
from ..vision.camera import CameraProfile


@dataclass(frozen=True)
class MeasureOptions:
    """How a photo is measured and recorded: the options of :func:`measure_photo` in one bundle.

    Attributes
    ----------
    board, tabs : BoardSpec, TabSpec
        The printed board and heel tabs.
    camera : CameraProfile, path or None
        Calibrated camera profile; None estimates the focal length from the board.
    method : {"auto", "tabs", "contour", "manual"}
    left_heel_px, right_heel_px : (float, float) or None
        Manual heel points, pixels of the photo as displayed.
    near_left_px, near_right_px : (float, float) or None
        Rough heel points (a tap near each heel), pixels of the photo as displayed: contour mode
        looks for each heel near its tap (the result says ``assisted``).
    heel_height_mm : float
        Heel landmark height above the table, mm (contour and manual modes).
    snap : bool
        Move manual points onto the heel's edge when it is within a few pixels.
    even_below_mm : float
        |lld_mm| under this is reported as "even", mm.
    board_squared : bool
        The board was squared with the table (jig, fence): with no table edge in the photo, no
        assumed alignment goes into the uncertainty.
    annotate : bool
        Store an annotated copy of each photo beside it.
    """

    board: BoardSpec = DEFAULT_BOARD
    tabs: TabSpec = DEFAULT_TABS
    camera: CameraProfile | str | Path | None = None
    method: str = "auto"
    left_heel_px: tuple[float, float] | None = None
    right_heel_px: tuple[float, float] | None = None
    near_left_px: tuple[float, float] | None = None
    near_right_px: tuple[float, float] | None = None
    heel_height_mm: float = DEFAULT_HEEL_HEIGHT_MM
    snap: bool = True
    even_below_mm: float = EVEN_BELOW_MM
    board_squared: bool = False
    annotate: bool = True


def measure_with(photo, options: MeasureOptions) -> MeasureResult:
    """:func:`measure_photo` with an options bundle (its ``annotate`` is the caller's to act on).

    Parameters
    ----------
    photo : str, Path or PhotoBytes
        JPEG, PNG or HEIC photo with the board and the heels in view, or its bytes as read once.
    options : MeasureOptions

    Returns
    -------
    MeasureResult

    Raises
    ------
    LegcheckError
        As :func:`measure_photo`; a bad option is a UsageError.
    """
    o = options
    return measure_photo(photo, camera=o.camera, board=o.board, tabs=o.tabs, even_below_mm=o.even_below_mm,
                         method=o.method, left_heel_px=o.left_heel_px, right_heel_px=o.right_heel_px,
                         heel_height_mm=o.heel_height_mm, snap=o.snap, board_squared=o.board_squared,
                         near_left_px=o.near_left_px, near_right_px=o.near_right_px)


@dataclass(frozen=True)
class CheckRequest:
    """One photo to measure and record as a check: the photo's path, the phase, the position, and
    where it was asked for (``source``, e.g. "checks.csv row 3": named in an error about it)."""

    photo: Path
    phase: str
    position: str
    source: str | None = None


@dataclass(frozen=True)
class RecordedCheck:
    """A check as recorded: its ids, the measurement stored with it, and the earlier check with the same photo."""

    check_id: int
    visit_id: int
    photo_sha256: str | None
    phase: str
    position: str
    measurement: Measurement
    duplicate_of: int | None = None


def record_checks(store, requests: list[CheckRequest], patient: str, options: MeasureOptions = MeasureOptions(),
                  visit_id: int | None = None, progress=None, allow_duplicate_photo: bool = False) -> list[RecordedCheck]:
    """Measure photos and record them as checks of a patient, all or nothing.

    Each check's measurement JSON records ``camera_profile``: the profile's name and hash
    (:meth:`legcheck.vision.camera.CameraProfile.identity`), or None when the camera was
    estimated from the board. Every photo is read once into memory, and those bytes are measured and handed to the store
    (which keeps their first image without metadata): what is stored is what was measured,
    even if the file changes meanwhile or is a pipe. Every photo is measured (and annotated)
    before anything is written: one that fails leaves no check, no visit and no stored photo
    behind.

    Parameters
    ----------
    store : legcheck.records.protocol.Store
    requests : list of CheckRequest
        The photos with their phase and position.
    patient : str
        The patient's chart number.
    options : MeasureOptions
    visit_id : int, optional
        The visit (of this patient); default: the patient's visit today, created if needed.
    progress : callable, optional
        Called with the number of photos measured so far, after each.
    allow_duplicate_photo : bool
        Record a photo that is already recorded as a check (else DuplicatePhotoError, 9).

    Returns
    -------
    list of RecordedCheck
        In the order of ``requests``.

    Raises
    ------
    UsageError
        No photos, or a phase or position outside the vocabulary.
    RecordNotFoundError, RecordConflictError
        Unknown patient or visit; the visit is another patient's.
    LegcheckError
        Any error of :func:`measure_photo` (3-6, 13).
    """
    import tempfile

    from ..vision.imageio import read_photo

    import dataclasses

    from .measuring import load_profile

    if not requests:
        raise UsageError("no photos to record")
    profile = load_profile(options.camera)  # read once for the batch; its identity goes with every check
    options = dataclasses.replace(options, camera=profile)
    for r in requests:
        require_term("phase", r.phase)
        require_term("position", r.position)
    store.patient(patient)  # an unknown patient or visit fails before any measuring
    if visit_id is not None:
        store.visit_for_check(patient, visit_id)
    with tempfile.TemporaryDirectory(prefix="legcheck-") as tmp:
        items, measured = [], []
        for i, r in enumerate(requests):
            with _naming(r, len(requests) > 1):
                source = read_photo(r.photo)
                res = measure_with(source, options)
                ann = None
                if options.annotate:
                    ann = Path(tmp) / f"annotated_{i}.jpg"
                    annotate(res, ann, options.board)
            measured.append(res.measurement)
            result = {**res.measurement.to_json(), "camera_profile": profile.identity() if profile else None}
            items.append(dict(phase=r.phase, position=r.position, result=result, photo=source, annotated_path=ann))
            if progress is not None:
                progress(i + 1)
        try:
            out = store.record_checks(patient, items, visit_id, allow_duplicate_photo)
        except DuplicatePhotoError as exc:
            if exc.index is not None:
                exc.message = f"{_name(requests[exc.index])}: {exc.message}"
            raise
    return [RecordedCheck(o["check_id"], o["visit_id"], o["photo_sha256"], r.phase, r.position, m,
                          o.get("duplicate_of")) for o, r, m in zip(out, requests, measured)]


def _name(r: CheckRequest) -> str:
    return f"{r.source}: {r.photo}" if r.source else str(r.photo)


@contextlib.contextmanager
def _naming(r: CheckRequest, batch: bool):
    """An error about one photo of a batch names the photo and where it was asked for."""
    try:
        yield
    except LegcheckError as exc:
        if batch or r.source:
            where = _name(r)
            if where not in exc.message:
                exc.message = f"{where}: {exc.message}"
            elif r.source:
                exc.message = f"{r.source}: {exc.message}"
        raise


def record_check(store, photo, patient: str, phase: str, position: str, options: MeasureOptions = MeasureOptions(),
                 visit_id: int | None = None, allow_duplicate_photo: bool = False) -> RecordedCheck:
    """Measure one photo, annotate it and record it as a check of a patient, in one step.

    Parameters
    ----------
    store : legcheck.records.protocol.Store
    photo : str or Path
        The photo (JPEG, PNG or HEIC).
    patient : str
        The patient's chart number.
    phase : {"pre", "post"}
    position : {"extended", "flexed", "head-left", "head-right"}
    options : MeasureOptions
    visit_id : int, optional
        The visit (of this patient); default: the patient's visit today, created if needed.
    allow_duplicate_photo : bool
        As :func:`record_checks`.

    Returns
    -------
    RecordedCheck

    Raises
    ------
    LegcheckError
        As :func:`record_checks`.
    """
    return record_checks(store, [CheckRequest(Path(photo), phase, position)], patient, options, visit_id,
                         allow_duplicate_photo=allow_duplicate_photo)[0]
