"""The structure of JPEG and PNG files, read from bytes: where the first image ends, what it holds.

Phones append things after a photo's end-of-image marker (a second JPEG, a motion photo's MP4,
Samsung's trailer) and put metadata in segments or chunks around the pixels. Reading a photo
(:mod:`legcheck.vision.imageio`: is it complete?) and storing one
(:mod:`legcheck.records.photos`: keep the pixels, drop the rest) walk the file the same way,
so both use these functions. Nothing here decodes pixels.

References
----------
ITU-T T.81 (JPEG), Annex B (marker segments; entropy-coded data, byte stuffing ``FF00`` and
restart markers ``FFD0``-``FFD7``). W3C PNG Specification (Third Edition), section 5 (chunk
layout, CRC) and 11 (critical and ancillary chunks).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

__all__ = ["JPEG_SOI", "PNG_SIGNATURE", "jpeg_segments", "jpeg_end", "png_chunks", "png_end"]

JPEG_SOI = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_EOI, _SOS = 0xD9, 0xDA
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


class DamagedImage(ValueError):
    """The file's structure is broken or ends early."""


def _scan_end(data: bytes, j: int) -> int:
    """Offset of the marker that ends the entropy-coded data starting at ``j``."""
    n = len(data)
    while True:
        j = data.find(b"\xff", j)
        if j < 0 or j + 1 >= n:
            raise DamagedImage("the JPEG ends inside its image data (truncated)")
        nxt = data[j + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:  # stuffed byte or restart marker: still data
            j += 2
        elif nxt == 0xFF:  # fill byte before a marker
            j += 1
        else:
            return j


def jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """The segments of the first image of a JPEG file, in order.

    Parameters
    ----------
    data : bytes
        A JPEG file (starting with SOI).

    Yields
    ------
    (marker, start, end) : (int, int, int)
        The marker byte (0xD8 SOI, 0xE1 APP1, 0xDA SOS ...) and the byte range of the segment
        (an SOS segment's range includes its entropy-coded data). The last one is EOI (0xD9);
        bytes between segments that are not a marker (junk a decoder would skip) are skipped.

    Raises
    ------
    DamagedImage
        Not a JPEG, or it ends before its end-of-image marker.
    """
    if not data.startswith(JPEG_SOI):
        raise DamagedImage("not a JPEG")
    yield 0xD8, 0, 2
    i, n = 2, len(data)
    while True:
        i = data.find(b"\xff", i)
        while 0 <= i < n - 1 and data[i + 1] == 0xFF:  # fill bytes
            i += 1
        if i < 0 or i + 1 >= n:
            raise DamagedImage("the JPEG has no end-of-image marker (truncated)")
        marker = data[i + 1]
        if marker == 0x00:  # a stray stuffed byte outside a scan: junk
            i += 2
            continue
        if marker == _EOI:
            yield marker, i, i + 2
            return
        if marker in _STANDALONE:
            yield marker, i, i + 2
            i += 2
            continue
        if marker == 0xD8:
            raise DamagedImage("a second start-of-image marker inside the first image")
        if i + 4 > n:
            raise DamagedImage("the JPEG ends inside a segment header (truncated)")
        end = i + 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
        if end > n:
            raise DamagedImage("the JPEG ends inside a segment (truncated)")
        if marker == _SOS:
            end = _scan_end(data, end)
        yield marker, i, end
        i = end


def jpeg_end(data: bytes) -> int | None:
    """The offset just after the first image's end-of-image marker; None if the first image is incomplete."""
    try:
        for marker, _, end in jpeg_segments(data):
            if marker == _EOI:
                return end
    except DamagedImage:
        return None
    return None


def png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """The chunks of a PNG file up to and including IEND.

    Yields
    ------
    (type, start, end) : (bytes, int, int)
        The 4-byte chunk type and the byte range of the whole chunk (length, type, data, CRC).

    Raises
    ------
    DamagedImage
        Not a PNG, or it ends before IEND.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise DamagedImage("not a PNG")
    i, n = len(PNG_SIGNATURE), len(data)
    while True:
        if i + 12 > n:
            raise DamagedImage("the PNG has no IEND chunk (truncated)")
        length = struct.unpack(">I", data[i:i + 4])[0]
        ctype, end = data[i + 4:i + 8], i + 12 + length
        if end > n:
            raise DamagedImage("the PNG ends inside a chunk (truncated)")
        yield ctype, i, end
        if ctype == b"IEND":
            return
        i = end


def png_end(data: bytes) -> int | None:
    """The offset just after the IEND chunk; None if the PNG is incomplete."""
    try:
        for ctype, _, end in png_chunks(data):
            if ctype == b"IEND":
                return end
    except DamagedImage:
        return None
    return None
