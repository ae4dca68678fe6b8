"""Physical specifications of the printed targets and the table frame.

Frames (see ``docs/conventions.md``):

- **board frame** (OpenCV ChArUco): origin at the outer corner of the squares on
  the HEAD edge, on the left as printed; x to the right as printed, y down the
  page (away from HEAD), z into the table. Millimetres.
- **table frame**: same origin, x towards the patient's right, y towards the
  patient's head, z up from the table. ``table = BOARD2TABLE @ board``.
"""

from __future__ import annotations

import math

from dataclasses import asdict, dataclass

import numpy as np

from ..errors import UsageError

#: Rotation taking board-frame vectors to table-frame vectors (y and z negated).
BOARD2TABLE = np.diag([1.0, -1.0, -1.0])

#: Every predefined OpenCV ArUco dictionary (both spellings OpenCV exposes): name -> (bits per side,
#: number of markers). A test checks this table against ``cv2.aruco``.
ARUCO_DICTIONARIES = {
    **{f"DICT_{n}X{n}_{size}": (n, size) for n in (4, 5, 6, 7) for size in (50, 100, 250, 1000)},
    "DICT_ARUCO_ORIGINAL": (5, 1024),
    "DICT_APRILTAG_16h5": (4, 30), "DICT_APRILTAG_16H5": (4, 30),
    "DICT_APRILTAG_25h9": (5, 35), "DICT_APRILTAG_25H9": (5, 35),
    "DICT_APRILTAG_36h10": (6, 2320), "DICT_APRILTAG_36H10": (6, 2320),
    "DICT_APRILTAG_36h11": (6, 587), "DICT_APRILTAG_36H11": (6, 587),
    "DICT_ARUCO_MIP_36h12": (6, 250), "DICT_ARUCO_MIP_36H12": (6, 250),
}
DICTIONARIES = tuple(ARUCO_DICTIONARIES)
#: A printed square's side, mm: below 1 mm no phone resolves it, above 500 mm it is no printed board.
SQUARE_MM_RANGE = (1.0, 500.0)


def canonical_dictionary(name) -> str:
    """The OpenCV spelling of a predefined dictionary's name, whatever its case (``dict_6x6_250`` ->
    ``DICT_6X6_250``); a name OpenCV spells exactly is kept as given.

    Raises
    ------
    UsageError
        Not a predefined dictionary.
    """
    if isinstance(name, str):
        if name in ARUCO_DICTIONARIES:
            return name
        if name.upper() in ARUCO_DICTIONARIES:
            return name.upper()
    raise UsageError(f"dictionary must be an OpenCV predefined ArUco dictionary (e.g. DICT_5X5_100, "
                     f"DICT_4X4_1000, DICT_APRILTAG_36h11; any case), got {name!r}")


def check_square_mm(value, what: str = "square_mm") -> float:
    """A printed square's side as a float, checked: finite and within :data:`SQUARE_MM_RANGE`.

    Raises
    ------
    UsageError
        Not a number, not finite, or outside the range (the message names ``what``).
    """
    lo, hi = SQUARE_MM_RANGE
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not lo <= v <= hi:  # also refuses nan and inf
        raise UsageError(f"{what} must be a printed square's side in mm, {lo:g} to {hi:g}, got {value!r}")
    return v


def _check_dictionary(name: str, highest_id: int, what: str) -> None:
    name = canonical_dictionary(name)
    size = ARUCO_DICTIONARIES[name][1]
    if highest_id >= size:
        raise UsageError(f"{name} has {size} markers (ids 0-{size - 1}) but {what} needs id {highest_id}")


@dataclass(frozen=True)
class BoardSpec:
    """A ChArUco calibration board.

    Attributes
    ----------
    squares_x, squares_y : int
        Number of chessboard squares across (board x) and down (board y).
    square_mm, marker_mm : float
        Side of a chessboard square and of an ArUco marker, millimetres.
    dictionary : str
        OpenCV predefined dictionary name, one of :data:`DICTIONARIES` (any case: kept in OpenCV's
        spelling, :func:`canonical_dictionary`).
    kind : str
        "charuco".
    legacy : bool
        The legacy ChArUco layout (OpenCV before 4.6, and calib.io's boards): with an even number
        of rows (``squares_y``) the top-left square holds a marker instead of being black. With an
        odd number of rows both layouts are the same.

    Raises
    ------
    UsageError
        Fewer than 3 squares either way, a square size outside :data:`SQUARE_MM_RANGE`, a marker not
        smaller than its square, an unknown dictionary.

    References
    ----------
    OpenCV ``cv::aruco::CharucoBoard::setLegacyPattern`` (the layout changed in OpenCV 4.6.0).
    """

    squares_x: int = 7
    squares_y: int = 5
    square_mm: float = 36.0
    marker_mm: float = 27.0
    dictionary: str = "DICT_5X5_100"
    kind: str = "charuco"
    legacy: bool = False

    def __post_init__(self):
        if not isinstance(self.legacy, bool):
            raise UsageError(f"legacy must be True or False, got {self.legacy!r}")
        if self.squares_x < 3 or self.squares_y < 3:
            raise UsageError(f"squares_x and squares_y must be >= 3, got {self.squares_x}x{self.squares_y}")
        check_square_mm(self.square_mm)  # first: a bad square size is not the marker's fault
        if not 0 < self.marker_mm < self.square_mm:
            raise UsageError(f"marker_mm must be in (0, square_mm), got {self.marker_mm}")
        object.__setattr__(self, "dictionary", canonical_dictionary(self.dictionary))
        _check_dictionary(self.dictionary, self.n_markers - 1, f"a {self.squares_x}x{self.squares_y} board")

    @property
    def width_mm(self) -> float:
        """Width of the squares' area along board x, mm."""
        return self.squares_x * self.square_mm

    @property
    def height_mm(self) -> float:
        """Height of the squares' area along board y, mm."""
        return self.squares_y * self.square_mm

    @property
    def n_markers(self) -> int:
        """Number of markers on the board (ids 0 .. n_markers - 1)."""
        return (self.squares_x * self.squares_y) // 2

    def to_dict(self) -> dict:
        """The fields as a JSON-ready dict."""
        return asdict(self)

    @property
    def _flipped(self) -> bool:
        """Whether the top-left square holds a marker (the legacy layout with an even number of rows)."""
        return self.legacy and self.squares_y % 2 == 0

    def black_squares(self):
        """(col, row) of the black chessboard squares ((0, 0) is black, except in the legacy layout
        with an even number of rows)."""
        return [(c, r) for r in range(self.squares_y) for c in range(self.squares_x)
                if ((c % 2) == (r % 2)) != self._flipped]

    def marker_squares(self):
        """(col, row) of the squares holding markers, in marker-id order (row-major)."""
        return [(c, r) for r in range(self.squares_y) for c in range(self.squares_x)
                if ((c % 2) != (r % 2)) != self._flipped]

    def inner_corners_board_mm(self) -> np.ndarray:
        """ChArUco corner positions, shape (N, 3), board frame, in OpenCV id order (row-major)."""
        xs = np.arange(1, self.squares_x) * self.square_mm
        ys = np.arange(1, self.squares_y) * self.square_mm
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx.ravel(), gy.ravel(), np.zeros(gx.size)], axis=1)


@dataclass(frozen=True)
class TabSpec:
    """The pair of printed heel tabs: one ArUco marker each.

    Attributes
    ----------
    left_id, right_id : int
        Marker ids of the LEFT and RIGHT heel tab.
    tab_mm : float
        Marker side, outer black edge to outer black edge, millimetres.
    margin_mm : float
        Printed white margin around the marker (the detector needs a quiet zone).
    dictionary : str
        OpenCV predefined dictionary name (the board's).

    Raises
    ------
    UsageError
        The two ids are equal, or ``tab_mm`` is not positive.
    """

    left_id: int = 40
    right_id: int = 41
    tab_mm: float = 40.0
    margin_mm: float = 8.0
    dictionary: str = "DICT_5X5_100"

    def __post_init__(self):
        if self.left_id == self.right_id:
            raise UsageError("left_id and right_id must differ")
        if not (math.isfinite(self.tab_mm) and 0 < self.tab_mm <= 500):  # NaN and inf compare False
            raise UsageError(f"tab_mm must be a printed tab's side, over 0 and at most 500 mm; got {self.tab_mm}")
        if min(self.left_id, self.right_id) < 0:
            raise UsageError("marker ids must be 0 or more")
        object.__setattr__(self, "dictionary", canonical_dictionary(self.dictionary))
        _check_dictionary(self.dictionary, max(self.left_id, self.right_id), "the heel tabs")

    def corners_tab_mm(self) -> np.ndarray:
        """Marker outer corners in the tab frame, shape (4, 3): TL, TR, BR, BL (OpenCV order), centre at 0."""
        h = self.tab_mm / 2
        return np.array([[-h, -h, 0], [h, -h, 0], [h, h, 0], [-h, h, 0]], dtype=np.float64)

    def to_dict(self) -> dict:
        """The fields as a JSON-ready dict."""
        return asdict(self)


DEFAULT_BOARD = BoardSpec()
DEFAULT_TABS = TabSpec()


def board_to_table(points_board_mm: np.ndarray) -> np.ndarray:
    """Board-frame points (N, 3) to table-frame points (N, 3)."""
    return np.asarray(points_board_mm, dtype=np.float64) @ BOARD2TABLE.T


def table_to_board(points_table_mm: np.ndarray) -> np.ndarray:
    """Table-frame points (N, 3) to board-frame points (N, 3) (the map is its own inverse)."""
    return np.asarray(points_table_mm, dtype=np.float64) @ BOARD2TABLE.T
