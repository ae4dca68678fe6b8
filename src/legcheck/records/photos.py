"""Content-addressed photo storage without location or device metadata.

JPEGs are rewritten segment by segment, losslessly: every APP1 (EXIF, XMP), APP13
(IPTC) and comment segment is dropped and a minimal EXIF holding only the
orientation is put back, so the photo still displays upright and the measured
pixel coordinates stay valid. PNG text and EXIF chunks are dropped. HEIC is
decoded and stored as JPEG (quality 95). The stored file is named by its own
SHA-256; the original's hash and orientation are recorded beside it.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Dropped: APP1 (EXIF, XMP), APP3-APP12 (vendor blocks), APP13 (IPTC), COM. Kept: APP0 (JFIF),
# APP2 (ICC colour profile), APP14 (Adobe colour transform, needed to decode).
_DROP_JPEG = {0xE1, 0xED, 0xFE, *range(0xE3, 0xED)}
_DROP_PNG = {b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME"}


@dataclass(frozen=True)
class StoredPhoto:
    sha256: str
    original_sha256: str
    orientation: int
    relpath: str
    bytes: int
    created: bool


def _orientation_exif(orientation: int) -> bytes:
    from PIL import Image

    ex = Image.Exif()
    ex[0x0112] = int(orientation)
    payload = ex.tobytes()
    if not payload.startswith(b"Exif\x00\x00"):
        payload = b"Exif\x00\x00" + payload
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def strip_jpeg(data: bytes, orientation: int) -> bytes:
    """JPEG bytes without metadata segments (pixels untouched), with orientation kept."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = [b"\xff\xd8"]
    if orientation != 1:
        out.append(_orientation_exif(orientation))
    i = 2
    n = len(data)
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
        seg = data[i:i + 2 + length]
        if marker not in _DROP_JPEG:
            out.append(seg)
        i += 2 + length
    return b"".join(out)


def strip_png(data: bytes) -> bytes:
    i, out = 8, [data[:8]]
    while i < len(data):
        length = struct.unpack(">I", data[i:i + 4])[0]
        ctype = data[i + 4:i + 8]
        chunk = data[i:i + 12 + length]
        if ctype not in _DROP_PNG:
            out.append(chunk)
        i += 12 + length
        if ctype == b"IEND":
            break
    return b"".join(out)


def _heic_to_jpeg(path: Path) -> bytes:
    import io

    import pillow_heif
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    with Image.open(path) as im:
        rgb = ImageOps.exif_transpose(im).convert("RGB")
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def clean_bytes(path: Path, orientation: int) -> bytes:
    """The bytes legcheck stores for a photo: metadata removed, orientation kept."""
    data = Path(path).read_bytes()
    if data.startswith(b"\xff\xd8"):
        return strip_jpeg(data, orientation)
    if data.startswith(b"\x89PNG"):
        return strip_png(data)
    return _heic_to_jpeg(Path(path))


def store_photo(photos_dir: Path, path, original_sha256: str, orientation: int) -> StoredPhoto:
    """Write the cleaned photo under ``photos_dir`` as ``ab/abcdef....ext`` (durably); idempotent."""
    data = clean_bytes(Path(path), orientation)
    sha = hashlib.sha256(data).hexdigest()
    ext = ".png" if data.startswith(b"\x89PNG") else ".jpg"
    rel = f"{sha[:2]}/{sha}{ext}"
    dest = photos_dir / rel
    if dest.exists():
        return StoredPhoto(sha, original_sha256, orientation, rel, len(data), False)
    photos_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest.parent.mkdir(exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o400)  # never changed after storing
        os.replace(tmp, dest)
        dfd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return StoredPhoto(sha, original_sha256, orientation, rel, len(data), True)
