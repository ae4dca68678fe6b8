"""Content-addressed photo storage without location or device metadata.

JPEGs are rewritten segment by segment, losslessly: every APP1 (EXIF, XMP), APP13 (IPTC) and
comment segment is dropped, and a minimal EXIF holding only the orientation (made by Pillow,
put in by piexif) goes back in, so the photo still displays upright and the measured pixel
coordinates stay valid. PNG text and EXIF chunks are dropped. HEIC is decoded and stored as
JPEG (quality 95). The stored file is named by its own SHA-256; the original's hash and
orientation are recorded beside it.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass
from pathlib import Path

from ..fileio import atomic_write, make_private_dir

# Dropped: APP1 (EXIF, XMP), APP3-APP12 (vendor blocks), APP13 (IPTC), COM. Kept: APP0 (JFIF),
# APP2 (ICC colour profile), APP14 (Adobe colour transform, needed to decode).
_DROP_JPEG = {0xE1, 0xED, 0xFE, *range(0xE3, 0xED)}
_DROP_PNG = {b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME"}
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


def _with_orientation(jpeg: bytes, orientation: int) -> bytes:
    """``jpeg`` with an EXIF segment holding only the orientation tag (Pillow's EXIF, piexif's insert)."""
    import piexif
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = int(orientation)
    out = io.BytesIO()
    piexif.insert(exif.tobytes(), jpeg, out)
    return out.getvalue()


def strip_jpeg(data: bytes, orientation: int) -> bytes:
    """JPEG bytes without metadata segments (entropy-coded data untouched), orientation kept.

    Parameters
    ----------
    data : bytes
        A JPEG file.
    orientation : int
        EXIF orientation (1-8) to keep; 1 writes no EXIF at all.

    Returns
    -------
    bytes
        The JPEG that decodes to exactly the same pixels.

    Raises
    ------
    ValueError
        ``data`` is not a JPEG or its segment list is damaged.
    """
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = [b"\xff\xd8"]
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise ValueError("damaged JPEG segment list")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            out.append(data[i:i + 2])
            i += 2
            continue
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            out.append(data[i:])
            break
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker not in _DROP_JPEG:
            out.append(data[i:i + 2 + length])
        i += 2 + length
    clean = b"".join(out)
    return clean if orientation == 1 else _with_orientation(clean, orientation)


def strip_png(data: bytes) -> bytes:
    """PNG bytes without text, time and EXIF chunks.

    Parameters
    ----------
    data : bytes
        A PNG file.

    Returns
    -------
    bytes
        The same chunks up to IEND less ``tEXt``, ``iTXt``, ``zTXt``, ``tIME`` and ``eXIf``:
        the same pixels.
    """
    i, out = 8, [data[:8]]
    while i < len(data):
        length = struct.unpack(">I", data[i:i + 4])[0]
        ctype = data[i + 4:i + 8]
        if ctype not in _DROP_PNG:
            out.append(data[i:i + 12 + length])
        i += 12 + length
        if ctype == b"IEND":
            break
    return b"".join(out)


def _heic_to_jpeg(path: Path) -> bytes:
    import pillow_heif
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    with Image.open(path) as im:
        rgb = ImageOps.exif_transpose(im).convert("RGB")
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def clean_bytes(path: Path, orientation: int) -> bytes:
    """The bytes legcheck stores for a photo: metadata removed, orientation kept.

    Parameters
    ----------
    path : Path
        A JPEG, PNG or HEIC photo.
    orientation : int
        Its EXIF orientation (1-8), kept in a stored JPEG.
    """
    data = Path(path).read_bytes()
    if data.startswith(b"\xff\xd8"):
        return strip_jpeg(data, orientation)
    if data.startswith(b"\x89PNG"):
        return strip_png(data)
    return _heic_to_jpeg(Path(path))


def store_photo(photos_dir: Path, path, original_sha256: str, orientation: int) -> StoredPhoto:
    """Store a cleaned photo under ``photos_dir`` as ``ab/abcdef....ext``, durably; idempotent.

    Parameters
    ----------
    photos_dir : Path
        The store's photo directory (created owner-only if missing).
    path : str or Path
        The photo as taken.
    original_sha256 : str
        SHA-256 of the photo as taken (recorded beside the stored one).
    orientation : int
        Its EXIF orientation (1-8).

    Returns
    -------
    StoredPhoto
        ``created`` is False when the same cleaned bytes were already stored.

    Raises
    ------
    FileAccessError
        The photo directory cannot be created or written.
    """
    data = clean_bytes(Path(path), orientation)
    sha = hashlib.sha256(data).hexdigest()
    ext = ".png" if data.startswith(b"\x89PNG") else ".jpg"
    rel = f"{sha[:2]}/{sha}{ext}"
    dest = photos_dir / rel
    if dest.exists():
        return StoredPhoto(sha, original_sha256, orientation, rel, len(data), False)
    make_private_dir(dest.parent)
    atomic_write(dest, data, mode=STORED_MODE)
    return StoredPhoto(sha, original_sha256, orientation, rel, len(data), True)
