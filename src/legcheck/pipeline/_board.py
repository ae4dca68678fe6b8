"""The photo's board, found as the camera saw it: a mirroring EXIF orientation undone when it hides the board."""

from __future__ import annotations

from ..errors import BoardNotFoundError


def mirror_warning(photo) -> list[str]:
    """The measurement's warning for a photo whose mirroring EXIF orientation was undone ([] otherwise)."""
    if not photo.mirrored_from:
        return []
    return [f"the photo's EXIF orientation ({photo.mirrored_from}) shows it mirrored, and no board can be read "
            "mirrored: it was measured unmirrored, as the camera took it; the annotated copy shows it so, and heel "
            "points are read on that copy; to avoid this, save the photo without mirroring"]


def find_board_upright(photo, board, clock):
    """The board's corners, in the photo as displayed or, when its EXIF orientation mirrors it, unmirrored.

    A lens never mirrors, so a photo whose tag mirrors it for display shows a mirrored board whose
    markers do not decode (:func:`legcheck.vision.orientation.unmirrored`). The photo as displayed
    is searched first (pixels an editor stored mirrored display the real scene); when the board is
    not found there and the tag mirrors, the unmirrored photo is searched. Every pixel coordinate
    of a photo measured unmirrored (heel points given, ``heel_px``, ``roi_px``, the annotated copy)
    is then of the unmirrored photo.

    Parameters
    ----------
    photo : legcheck.vision.imageio.Photo
    board : legcheck.targets.spec.BoardSpec
    clock : object
        Its ``done(stage)`` is called as "grey", "markers" and "board" end (once per search).

    Returns
    -------
    tuple
        (photo, gray, markers, board_corners): the photo measured (``mirrored_from`` set when
        unmirrored), its grey image, the markers found and the board's corners.

    Raises
    ------
    BoardNotFoundError
        Not found either way: the error of the photo as displayed.
    """
    from ..vision.orientation import unmirrored

    try:
        return (photo, *_search(photo, board, clock))
    except BoardNotFoundError as exc:
        plain = unmirrored(photo)
        if plain is None:
            raise
        try:
            return (plain, *_search(plain, board, clock))
        except BoardNotFoundError:
            raise exc from None


def _search(photo, board, clock):
    from ..vision.detect import find_board, find_markers, reduced
    from ..vision.imageio import to_gray

    gray = to_gray(photo.pixels)
    clock.done("grey")
    small = reduced(gray)
    markers, scale = find_markers(gray, board.dictionary, small=small)
    clock.done("markers")
    board_corners = find_board(gray, board, markers, scale, small=small)
    clock.done("board")
    return gray, markers, board_corners
