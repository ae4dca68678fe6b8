"""A hostile-file corpus built from a rendered photo: everything phones and editors put around the pixels.

No real patient data: the pixels are our renderer's; the metadata is made up here (a GPS
position, a serial number, a name) so that a test can prove none of it is stored.
"""

from __future__ import annotations

import io
import struct
import zlib

import piexif
from PIL import Image, ImageCms, PngImagePlugin

GPS = {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((52, 1), (31, 1), (12, 1)),
       piexif.GPSIFD.GPSLongitudeRef: b"E", piexif.GPSIFD.GPSLongitude: ((13, 1), (24, 1), (36, 1))}
SECRET = b"Carla Cruz"
SERIAL = "SN-4242-1717"


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _small_jpeg(colour, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(buf, "JPEG", quality=80, **({"exif": exif} if exif else {}))
    return buf.getvalue()


def phone_exif(orientation: int = 1, thumbnail: bool = True) -> bytes:
    """EXIF as a phone writes it: make, model, serial numbers, GPS, a thumbnail in IFD1."""
    exif = {"0th": {piexif.ImageIFD.Make: b"Acme", piexif.ImageIFD.Model: b"Phone 9",
                    piexif.ImageIFD.Orientation: orientation, piexif.ImageIFD.Artist: SECRET},
            "Exif": {piexif.ExifIFD.BodySerialNumber: SERIAL.encode(), piexif.ExifIFD.LensSerialNumber: b"LS-99",
                     piexif.ExifIFD.UserComment: b"ASCII\x00\x00\x00" + SECRET},
            "GPS": GPS, "1st": {}, "thumbnail": None}
    if thumbnail:
        exif["1st"] = {piexif.ImageIFD.Compression: 6}
        exif["thumbnail"] = _small_jpeg((250, 0, 0))
    return piexif.dump(exif)


XMP = (b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
       b"xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description "
       b"xmlns:exif='http://ns.adobe.com/exif/1.0/' xmlns:GCamera='http://ns.google.com/photos/1.0/camera/' "
       b"exif:GPSLatitude='52,31.2N' exif:GPSLongitude='13,24.6E' GCamera:MotionPhoto='1' "
       b"GCamera:MicroVideoOffset='4000'/></rdf:RDF></x:xmpmeta>")


def _iptc() -> bytes:
    record = b"\x1c\x02\x5a" + struct.pack(">H", len(b"Berlin")) + b"Berlin"  # 2:90 City
    record += b"\x1c\x02\x50" + struct.pack(">H", len(SECRET)) + SECRET  # 2:80 By-line
    block = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(record)) + record
    return b"Photoshop 3.0\x00" + block


def jfxx_thumbnail() -> bytes:
    thumb = _small_jpeg((0, 0, 250))
    return _segment(0xE0, b"JFXX\x00\x10" + thumb)


def dirty_jpeg(clean_jpeg: bytes, orientation: int = 1) -> bytes:
    """The rendered photo wrapped in every metadata segment, with a second GPS-tagged JPEG after it."""
    assert clean_jpeg.startswith(b"\xff\xd8")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    head = (_segment(0xE0, b"JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00") + jfxx_thumbnail()
            + _segment(0xE1, phone_exif(orientation)) + _segment(0xE1, XMP)
            + _segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + icc) + _segment(0xED, _iptc())
            + _segment(0xEF, b"VENDOR " + SERIAL.encode()) + _segment(0xFE, b"patient " + SECRET))
    second = _small_jpeg((0, 250, 0), exif=phone_exif(thumbnail=False))
    return b"\xff\xd8" + head + _strip_app(clean_jpeg)[2:] + second


def _strip_app(jpeg: bytes) -> bytes:
    """The renderer's JPEG without its own APPn segments (so the corpus controls them all)."""
    out, i = [b"\xff\xd8"], 2
    while jpeg[i + 1] != 0xDA:
        n = struct.unpack(">H", jpeg[i + 2:i + 4])[0]
        if not 0xE0 <= jpeg[i + 1] <= 0xEF:
            out.append(jpeg[i:i + 2 + n])
        i += 2 + n
    return b"".join(out) + jpeg[i:]


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def motion_photo(clean_jpeg: bytes) -> bytes:
    """A Pixel/Samsung motion photo: a complete JPEG, then an MP4 whose metadata holds a GPS track."""
    xyz = _box(b"\xa9xyz", struct.pack(">HH", 18, 0) + b"+52.5200+013.4050/")
    mp4 = (_box(b"ftyp", b"mp42\x00\x00\x00\x00mp42isom") + _box(b"moov", _box(b"udta", xyz))
           + _box(b"mdat", bytes(range(256)) * 8 + b"\xff\xda\x00\x08" + b"\xff\xd9\xff\xda"))
    return b"\xff\xd8" + _segment(0xE1, XMP) + _strip_app(clean_jpeg)[2:] + mp4


def samsung_trailer(clean_jpeg: bytes) -> bytes:
    """A JPEG followed by a Samsung trailer (SEFH/SEFT blocks holding a timestamp and a name)."""
    blocks = [(0x0a01, b"\x00\x00\x0a\x01\x0d\x00\x00\x00Image_UTC_Data1700000000000"),
              (0x0a20, b"\x00\x00\x20\x0a\x0a\x00\x00\x00Owner_Name" + SECRET)]
    data, entries, offset = b"", b"", 0
    for kind, body in blocks:
        data += body
        offset += len(body)
    pos = 0
    directory = b"SEFH" + struct.pack("<II", 106, len(blocks))
    for kind, body in blocks:
        directory += struct.pack("<HHII", 0, kind, len(data) - pos, len(body))
        pos += len(body)
    trailer = data + directory + struct.pack("<I", len(directory)) + b"SEFT"
    return clean_jpeg + trailer


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def dirty_png(rgb: Image.Image) -> bytes:
    """A PNG with text, international text, compressed text, EXIF (GPS, serial), time, ICC and a private chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "patient " + SECRET.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP.split(b"\x00", 1)[1].decode())
    info.add_text("Author", SECRET.decode(), zip=True)
    info.add(b"prVt", b"private " + SERIAL.encode())
    info.add(b"tIME", struct.pack(">HBBBBB", 2026, 9, 1, 9, 30, 0))
    buf = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    rgb.save(buf, "PNG", pnginfo=info, exif=phone_exif(thumbnail=False), icc_profile=icc)
    return buf.getvalue() + b"TRAILING " + SECRET


def dirty_heic(rgb: Image.Image) -> bytes:
    """A HEIC (pillow-heif's encoder) carrying the phone EXIF."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    rgb.save(buf, "HEIF", quality=-1, exif=phone_exif(thumbnail=False))  # -1: lossless where the encoder can
    return buf.getvalue()
