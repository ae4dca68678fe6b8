"""EXIF orientation: stored pixels turned as displayed, and a mirroring tag undone.

The eight EXIF orientations are the four turns, each with or without a mirror. Pixel centres lie
at integer coordinates, so a left-right flip maps x to ``width - 1 - x``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np


def upright(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Stored pixels turned as EXIF ``orientation`` says they are displayed (1 = as stored).

    The same for JPEG and PNG: OpenCV applies the tag to JPEG only, so legcheck decodes both
    without it and applies it here (the transforms of :data:`legcheck.vision.camera._ORIENT`).
    """
    turn = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],                      # mirrored left-right
        3: lambda a: a[::-1, ::-1],                   # 180 degrees
        4: lambda a: a[::-1],                         # mirrored top-bottom
        5: lambda a: a.swapaxes(0, 1),                # transposed
        6: lambda a: np.rot90(a, -1),                 # 90 degrees clockwise
        7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],    # transversed
        8: lambda a: np.rot90(a, 1),                  # 90 degrees counter-clockwise
    }[orientation]
    return np.ascontiguousarray(turn(pixels))


#: The EXIF orientations that mirror the stored pixels, and the rotation each keeps without the mirror.
_UNMIRRORED = {2: 1, 4: 3, 5: 6, 7: 8}
#: EXIF orientations that mirror the stored image for display (each is its own inverse).
MIRRORED = tuple(_UNMIRRORED)


def unmirrored(photo):
    """The photo as the camera saw it, when its EXIF orientation (2, 4, 5, 7) mirrors it; None otherwise.

    A lens never mirrors: a mirroring tag (a front camera's preview, an editor's lossless "flip")
    shows the board's markers mirrored, and they do not decode. Flipped left-right back, the
    displayed pixels are the stored ones turned by the tag's rotation alone: ``exif.orientation``
    becomes that rotation (a camera profile turns with it) and ``mirrored_from`` keeps the tag.
    """
    turn = _UNMIRRORED.get(photo.exif.orientation)
    if turn is None:
        return None
    return replace(photo, pixels=np.ascontiguousarray(photo.pixels[:, ::-1]), exif=replace(photo.exif, orientation=turn),
                   mirrored_from=photo.exif.orientation)

