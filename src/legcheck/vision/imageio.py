"""Reading photos: JPEG, PNG (and HEIC with the ``heic`` extra), EXIF-aware.

The decoded pixels are the photo *as displayed*: EXIF orientation applied, so
pixel coordinates given by a user (manual heel points) and by every detector
refer to the upright image. Image arrays are (row, col[, channel]) BGR uint8.
"""

from __future__ import annotations

import errno

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .._cv import MAX_IMAGE_PIXELS, cv2
from ..errors import FileAccessError, ImageReadError
from ..imagefiles import jpeg_end, png_end
from .orientation import upright

_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"

# EXIF tags
_ORIENTATION = 0x0112
_MAKE, _MODEL = 0x010F, 0x0110
_EXIF_IFD = 0x8769
_FOCAL_MM, _FOCAL_35MM = 0x920A, 0xA405
_BODY_SERIAL, _LENS_MODEL = 0xA431, 0xA434
_PIXEL_X, _PIXEL_Y = 0xA002, 0xA003  # PixelXDimension / PixelYDimension (Pillow: ExifImageWidth / Height)


@dataclass(frozen=True)
class ExifInfo:
    """The few EXIF facts a measurement uses.

    ``orientation`` is the EXIF tag value (1 = upright, 6 = stored rotated and
    displayed 90 degrees clockwise, ...); ``raw_size`` is (width, height) of the
    pixels as stored, before orientation; ``pixel_size`` is the (width, height) EXIF
    records (PixelXDimension, PixelYDimension: the size the camera wrote; an editor that
    crops or resizes may leave it stale), None when absent; ``lens_model`` is EXIF's LensModel
    ("" when absent): with ``focal_mm`` and ``focal_35mm`` it tells a phone's lenses apart.
    """

    orientation: int = 1
    make: str = ""
    model: str = ""
    focal_mm: float | None = None
    focal_35mm: float | None = None
    raw_size: tuple[int, int] | None = None
    pixel_size: tuple[int, int] | None = None
    lens_model: str = ""

    @property
    def camera_name(self) -> str:
        """Make and model, e.g. "Apple iPhone 13" ("" when the photo says neither)."""
        return " ".join(s for s in (self.make.strip(), self.model.strip()) if s)

    @property
    def lens(self) -> dict:
        """Which of the phone's lenses (and zoom) took the photo, as EXIF says: ``focal_mm``
        (FocalLength), ``focal_35mm`` (FocalLengthIn35mmFilm) and ``lens_model`` (LensModel), each
        only when present ({} when none is)."""
        out = {"focal_mm": self.focal_mm, "focal_35mm": self.focal_35mm, "lens_model": self.lens_model}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Photo:
    """A decoded photo.

    Attributes
    ----------
    pixels : ndarray, shape (H, W, 3), uint8
        BGR, upright (EXIF orientation applied).
    path : str
    sha256 : str
        Hash of the file's bytes as read.
    exif : ExifInfo
    mirrored_from : int or None
        The file's EXIF orientation when it mirrored the photo and the mirror was undone
        (:func:`unmirrored`); ``exif.orientation`` is then the rotation kept.
    """

    pixels: np.ndarray
    path: str
    sha256: str
    exif: ExifInfo = field(default_factory=ExifInfo)
    mirrored_from: int | None = None

    @property
    def width(self) -> int:
        """Width of the photo as displayed, px."""
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        """Height of the photo as displayed, px."""
        return int(self.pixels.shape[0])

    def info(self) -> dict:
        """What a measurement records about its photo: path, width, height (px), sha256, EXIF orientation."""
        return {"path": self.path, "width": self.width, "height": self.height, "sha256": self.sha256,
                "orientation": self.mirrored_from or self.exif.orientation}


@dataclass(frozen=True)
class PhotoBytes:
    """A photo's bytes, read once, and the name to report it by (a path, or "<stdin>").

    What is measured, hashed and stored is these bytes: the file is never read a second time.
    """

    data: bytes
    name: str


def read_photo(path) -> PhotoBytes:
    """Read a photo file once into memory: regular files, pipes and other non-seekable paths alike.

    Raises
    ------
    ImageReadError
        Missing, a directory, or empty.
    FileAccessError
        It exists but cannot be read (permissions, I/O error); the message names the path.
    """
    path = Path(path)
    return PhotoBytes(_read_bytes(path), str(path))


def _read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:  # one read: a pipe (<(cat photo.jpg)) cannot be read twice
            data = fh.read()
    except FileNotFoundError:
        raise ImageReadError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise ImageReadError(f"{path}: is a directory, not a photo; give the photo's file name") from None
    except OSError as exc:
        fix = {errno.ELOOP: "its symbolic links go round in a loop; give the photo's real path",
               errno.ENAMETOOLONG: "the name is too long; rename the file"}.get(exc.errno, "check the file's permissions")
        raise FileAccessError(f"cannot read {path} ({exc.strerror}); {fix}") from None
    if not data:
        raise ImageReadError(f"{path}: the file is empty (0 bytes); copy the photo again from the phone")
    return data


def _kind(data: bytes) -> str:
    if data.startswith(_JPEG):
        return "jpeg"
    if data.startswith(_PNG):
        return "png"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc", b"ftypmsf1", b"ftypheim", b"ftypheis"):
        return "heic"
    return "unknown"


def _check_complete(data: bytes, kind: str, path: Path) -> None:
    """Refuse truncated files: OpenCV would otherwise decode them with grey rows at the bottom."""
    if kind == "jpeg":
        # Walk the first image's segments to its end-of-image marker: what follows it (a motion
        # photo's MP4, a second image, a vendor trailer) is not part of the photo measured.
        if jpeg_end(data) is None:
            raise ImageReadError(f"{path}: the JPEG is truncated (no end-of-image marker); copy the photo again")
    elif kind == "png":
        if png_end(data) is None:
            raise ImageReadError(f"{path}: the PNG is truncated (no IEND chunk); copy the image again")


def _header(data: bytes, kind: str) -> tuple[tuple[int, int], ExifInfo] | None:
    """The stored size (width, height) and the EXIF facts of a JPEG or PNG, without decoding pixels.

    The format's own Pillow parser reads the header. :func:`PIL.Image.open` would also apply
    Pillow's decompression-bomb limit, a process-wide setting meant for decoding; nothing is
    decoded here, and the caller applies our own limit (:data:`legcheck._cv.MAX_IMAGE_PIXELS`)
    to the size returned. None when the header cannot be parsed.
    """
    import io

    from PIL import JpegImagePlugin, PngImagePlugin

    parser = {"jpeg": JpegImagePlugin.JpegImageFile, "png": PngImagePlugin.PngImageFile}[kind]
    try:
        with parser(io.BytesIO(data)) as im:
            size = tuple(im.size)
            try:
                ex = im.getexif()
            except Exception:  # noqa: BLE001 - EXIF is optional; a damaged block is no EXIF
                ex = None
    except Exception:  # noqa: BLE001 - the caller says the header is damaged
        return None
    return size, _exif_info(ex, size)


def _exif_info(ex, raw_size) -> ExifInfo:
    """The facts a measurement uses from a Pillow EXIF mapping (None or empty: defaults)."""
    if not ex:
        return ExifInfo(raw_size=raw_size)
    sub = ex.get_ifd(_EXIF_IFD)

    def num(v):
        try:
            f = float(v)
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        return f if f > 0 else None

    try:
        orientation = int(ex.get(_ORIENTATION, 1))
    except (TypeError, ValueError):
        orientation = 1
    px_w, px_h = num(sub.get(_PIXEL_X)), num(sub.get(_PIXEL_Y))
    return ExifInfo(
        orientation=orientation if 1 <= orientation <= 8 else 1,
        make=str(ex.get(_MAKE, "") or "").strip("\x00 "),
        model=str(ex.get(_MODEL, "") or "").strip("\x00 "),
        focal_mm=num(sub.get(_FOCAL_MM)),
        focal_35mm=num(sub.get(_FOCAL_35MM)),
        raw_size=raw_size,
        pixel_size=(int(px_w), int(px_h)) if px_w and px_h else None,
        lens_model=str(sub.get(_LENS_MODEL, "") or "").strip("\x00 "),
    )


def _too_large(path: Path, size) -> ImageReadError:
    return ImageReadError(f"{path}: {size[0]}x{size[1]} pixels is over the {MAX_IMAGE_PIXELS // 1_000_000}-megapixel "
                          "limit; use the phone's normal (12 MP) photo mode")


def _decode_heic(data: bytes, path: Path) -> tuple[np.ndarray, ExifInfo]:
    """HEIC pixels, BGR upright, and their EXIF facts, through pillow-heif.

    The EXIF block is read from the image pillow-heif opened, after its opener is registered
    (before that Pillow cannot open HEIC at all). pillow-heif turns the pixels upright itself and
    resets the EXIF orientation to 1, keeping the stored one as ``original_orientation``: that is
    the orientation reported, with the stored (sensor) size, so camera profiles adapt as for a JPEG.
    Our pixel limit is checked on the header first.
    """
    try:
        import pillow_heif
    except ImportError:
        raise ImageReadError(
            f"{path}: HEIC photos need the optional 'heic' extra; run: pip install 'legcheck[heic]' "
            "(or set the phone to save JPEG)") from None
    import io
    import warnings

    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning, for this call only: our limit is checked below, before decoding.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.width * im.height > MAX_IMAGE_PIXELS:
                    raise _too_large(path, im.size)
                try:
                    exif = _exif_info(im.getexif(), None)
                except Exception:  # noqa: BLE001 - EXIF is optional; a damaged block is no EXIF
                    exif = ExifInfo()
                stored = im.info.get("original_orientation") or exif.orientation
                rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    except ImageReadError:
        raise
    except Image.DecompressionBombError:
        raise ImageReadError(f"{path}: the HEIC image is over the pixel limit of this program; "
                             "use the phone's normal (12 MP) photo mode") from None
    except Exception as exc:  # noqa: BLE001
        raise ImageReadError(f"{path}: the HEIC file cannot be decoded ({exc}); export it as JPEG") from None
    h, w = rgb.shape[:2]
    stored = int(stored) if str(stored).isdigit() and 1 <= int(stored) <= 8 else 1
    exif = replace(exif, orientation=stored, raw_size=(h, w) if stored >= 5 else (w, h))
    return np.ascontiguousarray(rgb[:, :, ::-1]), exif


def load_photo(source) -> Photo:
    """Read a photo from any path (non-ASCII names, pipes) or from bytes already read, upright as displayed.

    Parameters
    ----------
    source : str, Path or PhotoBytes
        A JPEG, PNG or (with the ``heic`` extra) HEIC file, or its bytes as read once
        (:func:`read_photo`): then nothing is read again.

    Returns
    -------
    Photo
        Pixels (H, W, 3) BGR uint8 with the EXIF orientation applied, the file's sha256 and EXIF facts.

    Raises
    ------
    ImageReadError
        Missing, empty, truncated, unsupported, undecodable, or over :data:`legcheck._cv.MAX_IMAGE_PIXELS`
        (checked on the header, before any pixel is decoded).
    FileAccessError
        The file cannot be read (permissions).
    """
    if isinstance(source, PhotoBytes):
        path, data = Path(source.name), source.data
        if not data:
            raise ImageReadError(f"{path}: the file is empty (0 bytes); copy the photo again from the phone")
    else:
        path = Path(source)
        data = _read_bytes(path)
    kind = _kind(data)
    if kind == "unknown":
        raise ImageReadError(f"{path}: not a JPEG, PNG or HEIC image; give the photo file from the phone")
    _check_complete(data, kind, path)
    sha = hashlib.sha256(data).hexdigest()
    if kind == "heic":
        pixels, exif = _decode_heic(data, path)
        return Photo(pixels, str(path), sha, exif)
    header = _header(data, kind)
    if header is None:
        raise ImageReadError(f"{path}: the {kind.upper()} header is damaged; copy the photo again")
    size, exif = header
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise _too_large(path, size)
    cv = cv2()
    # Decoded as stored, then turned upright here: OpenCV applies EXIF orientation to JPEG but not to PNG.
    pixels = cv.imdecode(np.frombuffer(data, np.uint8), cv.IMREAD_COLOR | cv.IMREAD_IGNORE_ORIENTATION)
    if pixels is None or pixels.size == 0:
        raise ImageReadError(f"{path}: the {kind.upper()} data cannot be decoded; copy the photo again")
    if kind == "jpeg" and _cut_short(pixels):
        raise ImageReadError(f"{path}: the JPEG is truncated (its last rows are missing); copy the photo again")
    return Photo(upright(pixels, exif.orientation), str(path), sha, exif)


def _cut_short(stored: np.ndarray) -> bool:
    """Whether a decoded JPEG ends in the flat grey libjpeg fills missing data with.

    A JPEG cut short and closed with an end-of-image marker decodes without an error: libjpeg
    warns on stderr and decodes the missing blocks with all coefficients zero, which is exactly
    (128, 128, 128). A phone photo whose last 8 stored rows are all exactly that grey, every
    pixel of every channel, is taken to be such a file.
    """
    tail = stored[-8:]
    return bool(tail.size) and bool(np.all(tail == 128))


def to_gray(bgr: np.ndarray) -> np.ndarray:
    """The photo in grey.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3) or (H, W)
        A grey image passes through.

    Returns
    -------
    ndarray, uint8, shape (H, W)
        OpenCV's BGR-to-grey weights (ITU-R BT.601 luma, on the sRGB-encoded values).
    """
    if bgr.ndim == 2:
        return bgr
    cv = cv2()
    return cv.cvtColor(bgr, cv.COLOR_BGR2GRAY)
