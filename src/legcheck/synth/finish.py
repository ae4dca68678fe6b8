"""The phone's finish: light fall-off, optics, sensor noise, tone curve and JPEG with EXIF.

Works in linear light on the noise-free render: uneven light and vignetting, optical
(Gaussian) and motion blur, then read noise plus shot noise whose variance grows with the
signal; then the sRGB tone curve, 8-bit quantisation and JPEG compression. EXIF is written
by Pillow (``Image.Exif`` and ``save(exif=...)``).
"""

from __future__ import annotations

import io

import numpy as np

from .._cv import cv2

#: Linear light (16-bit) -> sRGB uint8, the phone's tone curve.
_LIN16 = np.arange(65536, dtype=np.float64) / 65535.0
_SRGB_LUT = np.clip(np.round(255.0 * np.where(_LIN16 <= 0.0031308, 12.92 * _LIN16,
                                               1.055 * np.power(_LIN16, 1 / 2.4) - 0.055)), 0, 255).astype(np.uint8)
#: EXIF sub-IFD pointer tag (ExifIFD): where the 35 mm focal length and friends live.
EXIF_IFD = 0x8769


def finish(scene, img: np.ndarray) -> np.ndarray:
    """Lighting, blur, noise and tone curve.

    Parameters
    ----------
    scene : Scene
        Supplies ``light_gain``, ``light_gradient``, ``vignette``, ``blur_px``, ``motion_px``,
        ``noise`` and ``seed``.
    img : ndarray, shape (H, W, 3), float32
        Noise-free linear-light BGR; modified in place.

    Returns
    -------
    ndarray, shape (H, W, 3), uint8
        sRGB BGR, as a phone stores it before compression.
    """
    cv = cv2()
    H, W = img.shape[:2]
    u = (np.arange(W, dtype=np.float32) / W - 0.5)[None, :]
    v = (np.arange(H, dtype=np.float32) / H - 0.5)[:, None]
    gx, gy = scene.light_gradient
    light = (scene.light_gain * (1 + gx * u + gy * v) * (1 - scene.vignette * (u ** 2 + v ** 2) * 2)).astype(np.float32)
    img *= light[..., None]
    if scene.blur_px > 0:
        img = cv.GaussianBlur(img, (0, 0), scene.blur_px)
    if scene.motion_px > 0:
        n = max(3, int(round(scene.motion_px)) | 1)
        k = np.zeros((n, n), np.float32)
        k[n // 2, :] = 1.0 / n
        img = cv.filter2D(img, -1, k)
    if scene.noise > 0:
        # Read noise plus shot noise (variance growing with the signal).
        cv.setRNGSeed(int(scene.seed) & 0x7FFFFFFF)
        z = np.empty_like(img)
        cv.randn(z, 0.0, 1.0)
        sigma = cv.sqrt(np.maximum(img, 0) * np.float32(0.01 * scene.noise) + np.float32(scene.noise ** 2))
        img = cv.add(img, cv.multiply(z, sigma))
    lin16 = np.clip(img * 65535.0 + 0.5, 0, 65535).astype(np.uint16)
    return _SRGB_LUT[lin16]


def encode_jpeg(bgr: np.ndarray, quality: int, exif: dict | None = None) -> bytes:
    """JPEG bytes of a BGR image, optionally with EXIF.

    Parameters
    ----------
    bgr : ndarray, shape (H, W, 3), uint8
    quality : int
        JPEG quality, 1-100 (libjpeg scaling; 4:2:0 chroma, as OpenCV's default).
    exif : dict, optional
        ``{tag: value}`` for IFD0 (e.g. 0x010F Make, 0x0112 Orientation); tags of the Exif
        sub-IFD go under the key ``"exif"`` as ``{tag: value}`` (e.g. 0xA405 FocalLengthIn35mmFilm).

    Returns
    -------
    bytes
    """
    from PIL import Image

    ex = Image.Exif()
    for k, v in (exif or {}).items():
        if k != "exif":
            ex[k] = v
    if exif and "exif" in exif:
        ex.get_ifd(EXIF_IFD).update(exif["exif"])
    buf = io.BytesIO()
    kw = {"exif": ex.tobytes()} if exif else {}
    Image.fromarray(np.ascontiguousarray(bgr[..., ::-1])).save(buf, "JPEG", quality=int(quality), **kw)
    return buf.getvalue()
