"""Content-addressed photo storage: the pixels that were measured, and nothing else.

The store is given the bytes that were measured (read once, :mod:`legcheck.pipeline.recording`)
and keeps only the first image in them:

* JPEG: the segments that decoding needs, copied byte for byte (the entropy-coded data is
  untouched, so the pixels are exactly the measured ones): SOF, DHT, DQT, DRI, SOS and its
  data, restart markers, and APP14 (Adobe: how to read the colour components). Dropped: every
  other APPn (EXIF, XMP, IPTC, JFIF/JFXX thumbnails, ICC profiles, MPF, vendor blocks such as
  APP15), comments, and everything after the first end-of-image marker (a second JPEG, a
  motion photo's MP4, a Samsung trailer). The EXIF orientation goes back in as an EXIF block
  holding that one tag (Pillow builds it, piexif inserts it), so the photo still displays
  upright and the measured pixel coordinates stay valid.
* PNG: IHDR, PLTE, tRNS, IDAT and IEND only (text, time, colour-profile and private chunks
  dropped; nothing after IEND), and an ``eXIf`` chunk holding only the orientation.
* HEIC: decoded (orientation applied) and stored losslessly as PNG.

A stored file is named by the SHA-256 of its own bytes; the measured original's hash and its
orientation are recorded beside it.

References
----------
ITU-T T.81 Annex B; Adobe Technical Note #5116 (APP14); CIPA DC-008 (Exif) tag 0x0112;
W3C PNG Specification (Third Edition), ``eXIf``.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from dataclasses import dataclass


from ..errors import ImageReadError
from ..imagefiles import PNG_SIGNATURE, DamagedImage, jpeg_segments, png_chunks

#: JPEG markers a decoder needs: SOF0-SOF15 with DHT (C4) and DAC (CC), SOS, DQT, DNL, DRI,
#: DHP, EXP, RST0-7, APP14 (Adobe colour transform), EOI. Everything else is dropped.
_KEEP_JPEG = {*range(0xC0, 0xD0), 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, *range(0xD0, 0xD8), 0xEE, 0xD8, 0xD9}
#: PNG chunks a decoder needs.
_KEEP_PNG = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
#: A stored photo never changes: owner read-only.
STORED_MODE = 0o400


@dataclass(frozen=True)
class StoredPhoto:
    """A photo in the store: its name (SHA-256 of the stored bytes), where it is, and whether it is new."""

    sha256: str
    original_sha256: str
    orientation: int
    relpath: str
    bytes: int
    created: bool


def _orientation_exif(orientation: int) -> bytes:
    """An EXIF block ("Exif\\0\\0" + TIFF) holding only the orientation tag, made by Pillow."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = int(orientation)
    return exif.tobytes()


def strip_jpeg(data: bytes, orientation: int) -> bytes:
    """The first image of a JPEG with only what decoding needs, orientation kept.

    Parameters
    ----------
    data : bytes
        A JPEG file (anything after its first image is ignored).
    orientation : int
        EXIF orientation (1-8) to keep; 1 writes no EXIF at all.

    Returns
    -------
    bytes
        A JPEG that decodes to exactly the same pixels.

    Raises
    ------
    ValueError
        ``data`` is not a JPEG, or its first image is incomplete.
    """
    clean = b"".join(data[s:e] for marker, s, e in jpeg_segments(data) if marker in _KEEP_JPEG)
    if orientation == 1:
        return clean
    import piexif

    out = io.BytesIO()
    piexif.insert(_orientation_exif(orientation), clean, out)
    return out.getvalue()


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def strip_png(data: bytes, orientation: int = 1) -> bytes:
    """A PNG with only its critical chunks and tRNS, orientation kept in an ``eXIf`` chunk.

    Parameters
    ----------
    data : bytes
        A PNG file (anything after IEND is ignored).
    orientation : int
        EXIF orientation (1-8); 1 writes no ``eXIf``.

    Returns
    -------
    bytes
        The same pixels.

    Raises
    ------
    ValueError
        Not a PNG, or it ends before IEND.
    """
    out, exif = [PNG_SIGNATURE], orientation != 1
    for ctype, s, e in png_chunks(data):
        if ctype == b"IDAT" and exif:  # eXIf goes before the image data, and holds the TIFF part only
            out.append(_chunk(b"eXIf", _orientation_exif(orientation)[6:]))
            exif = False
        if ctype in _KEEP_PNG:
            out.append(data[s:e])
    return b"".join(out)


def heic_to_png(data: bytes) -> bytes:
    """A HEIC photo decoded (its orientation applied) and stored losslessly as PNG.

    Raises
    ------
    ImageReadError
        pillow-heif is not installed, or the file cannot be decoded.
    """
    try:
        import pillow_heif
    except ImportError:
        raise ImageReadError("storing a HEIC photo needs the optional 'heic' extra (pillow-heif)") from None
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    try:
        with Image.open(io.BytesIO(data)) as im:
            rgb = ImageOps.exif_transpose(im).convert("RGB")
    except Exception as exc:  # noqa: BLE001 - any decoder failure is an unreadable photo
        raise ImageReadError(f"the HEIC photo cannot be decoded ({exc}); export it as JPEG") from None
    buf = io.BytesIO()
    rgb.save(buf, "PNG")
    return strip_png(buf.getvalue())


def clean_bytes(data: bytes, orientation: int) -> bytes:
    """The bytes legcheck stores for a photo: its first image, decodable, orientation kept, nothing else.

    Parameters
    ----------
    data : bytes
        The photo as measured: JPEG, PNG or HEIC.
    orientation : int
        Its EXIF orientation (1-8).

    Raises
    ------
    ImageReadError
        Not a JPEG, PNG or HEIC photo, or incomplete.
    """
    try:
        if data.startswith(b"\xff\xd8"):
            return strip_jpeg(data, orientation)
        if data.startswith(PNG_SIGNATURE):
            return strip_png(data, orientation)
    except DamagedImage as exc:
        raise ImageReadError(f"the photo cannot be stored: {exc}") from None
    return heic_to_png(data)


def clean_photo(data: bytes, original_sha256: str, orientation: int) -> tuple[StoredPhoto, bytes]:
    """A photo's cleaned bytes (:func:`clean_bytes`) and its name in a photo store, not yet stored.

    Parameters
    ----------
    data : bytes
        The photo as measured.
    original_sha256 : str
        SHA-256 of ``data`` as measured (recorded beside the stored one).
    orientation : int
        Its EXIF orientation (1-8).

    Returns
    -------
    (StoredPhoto, bytes)
        ``created`` is False; a photo store's ``save`` says whether it wrote a new file.

    Raises
    ------
    ImageReadError
        The photo cannot be cleaned.
    """
    clean = clean_bytes(bytes(data), orientation)
    sha = hashlib.sha256(clean).hexdigest()
    ext = ".png" if clean.startswith(PNG_SIGNATURE) else ".jpg"
    return StoredPhoto(sha, original_sha256, orientation, f"{sha[:2]}/{sha}{ext}", len(clean), False), clean
