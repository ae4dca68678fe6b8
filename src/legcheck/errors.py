"""Typed errors a user can cause, each with the process exit code the CLI maps it to.

Exit codes (the contract scripts rely on):

=====  ==========================================================
 0     success
 1     internal error (a bug: please report it)
 2     command-line usage error (click's own code)
 3     photo unreadable or unsupported (not an image, truncated, empty,
       over the pixel limit, HEIC without the ``heic`` extra)
 4     calibration board not found, or too few of its corners seen (its
       markers found but not its corners: another layout or board size)
 5     a heel tab missing or duplicated, or the heels found cannot be a
       patient's two heels (too close, too far apart, too far along the
       table, a tab too high or too low)
 6     camera profile invalid, or made for another camera / image size
 7     calibration photos unusable (no photo shows the pattern, fewer
       than 5 good and distinct views, photos of more than one camera or
       lens), or a calibration that is no camera (RMS error or stated
       uncertainty implausibly large)
 8     record not found (unknown chart number, visit or check id)
 9     record conflict (chart number taken, visit of another patient,
       amending a check that was already amended, an output file that
       exists, restoring into a database that is not empty)
 10    database unusable (none at the path given, written by a newer
       legcheck, not a legcheck database, damaged, or locked for too long)
 11    a check of the records failed (``db check``, a backup's
       verification: damaged pages, the audit chain, an altered or missing
       row, a missing trigger, a photo hash); the message names the first
       broken row
 12    a report's PDF could not be printed (Chromium missing or failed)
 13    board placed wrongly for the check (turned across the table: the
       HEAD arrow must point to the patient's head; turned over 15
       degrees with no table edge measured; or over 1.5 m from the heels)
 14    a file or directory cannot be read or written (permissions, disk
       full, read-only file system); the message names the path
 15    refused by a clinical safeguard (an adjustment on a visit with an
       open red flag, without an override and its reason)
=====  ==========================================================

The web app maps the same errors to HTTP statuses (:data:`HTTP_STATUS`).
"""

from __future__ import annotations


class LegcheckError(Exception):
    """Base class of every error a user can cause.

    Parameters
    ----------
    message : str
        One line that names the problem and what to do about it.
    """

    exit_code = 1
    code = "internal"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "exit_code": self.exit_code, "message": self.message}}


class UsageError(LegcheckError):
    """A bad argument to a library call (wrong type, out of range, unknown term): the caller's mistake."""

    exit_code = 2
    code = "usage"


class ImageReadError(LegcheckError):
    exit_code = 3
    code = "image_unreadable"


class BoardNotFoundError(LegcheckError):
    exit_code = 4
    code = "board_not_found"


class BoardLayoutError(BoardNotFoundError):
    """The board's markers were found but not its corners: another ChArUco layout or board size than given.

    ``legacy`` says which layout the board showed: True (legacy), False (current), None (neither
    fits: another size, or either layout).
    """

    code = "board_layout"

    def __init__(self, message: str, legacy: bool | None = None):
        super().__init__(message)
        self.legacy = legacy


class HeelNotFoundError(LegcheckError):
    exit_code = 5
    code = "heel_not_found"


class ImplausibleHeelsError(HeelNotFoundError):
    """Heels were found, but they cannot be a prone patient's two heels; the message names the check."""

    code = "heels_implausible"


class CameraProfileError(LegcheckError):
    exit_code = 6
    code = "camera_profile"


class CalibrationError(LegcheckError):
    """Calibration photos that make no profile; ``views``: what became of each photo, when known
    (the command line lists them, one a line)."""

    exit_code = 7
    code = "calibration_failed"

    def __init__(self, message: str, views=()):
        super().__init__(message)
        self.views = tuple(views)


class PatternNotFoundError(CalibrationError):
    """No calibration photo shows the pattern given; ``chessboard`` says whether a classic chessboard
    (True) or the ChArUco board (False) was looked for."""

    code = "calibration_pattern"

    def __init__(self, message: str, chessboard: bool, views=()):
        super().__init__(message, views)
        self.chessboard = chessboard


class RecordNotFoundError(LegcheckError):
    exit_code = 8
    code = "not_found"


class RecordConflictError(LegcheckError):
    exit_code = 9
    code = "conflict"


class DuplicatePhotoError(RecordConflictError):
    """The photo is already recorded as a check (or twice in one batch); ``index``: which item of the batch."""

    code = "duplicate_photo"

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


class OutputExistsError(RecordConflictError):
    """An output file exists and replacing it was not asked for (the CLI names ``--force``)."""

    code = "output_exists"


class DatabaseError(LegcheckError):
    exit_code = 10
    code = "database"


class DatabaseMissingError(DatabaseError):
    """No database at the location given (and creating one was not asked for)."""


class DatabaseDamagedError(DatabaseError):
    """The database engine found damaged pages; the message is the engine's."""


class IntegrityCheckError(LegcheckError):
    exit_code = 11
    code = "integrity"


class PhotoIntegrityError(IntegrityCheckError):
    """A stored photo's bytes do not match the SHA-256 it is stored under (a file swapped or altered)."""

    code = "photo_integrity"


class PdfError(LegcheckError):
    exit_code = 12
    code = "pdf"


class BoardPlacementError(LegcheckError):
    exit_code = 13
    code = "board_placement"


class FileAccessError(LegcheckError):
    exit_code = 14
    code = "file_access"


class SafeguardError(LegcheckError):
    exit_code = 15
    code = "safeguard"


#: HTTP status of each exit code for the web app (1 and anything unknown: 500).
HTTP_STATUS = {2: 400, 3: 422, 4: 422, 5: 422, 6: 422, 7: 422, 8: 404, 9: 409, 10: 503, 11: 500, 12: 500,
               13: 422, 14: 500, 15: 409}
