"""Intensity profiles across an edge, and the first-moment (area) edge position on them.

Every sub-pixel edge in legcheck is found the same way: profiles are sampled along
the edge's normal (:func:`sample_profiles`) in linear light (:func:`linearize`), the
levels on either side are taken from the profile's ends or given, and the edge sits
where the area under the normalised step equals the distance from the profile's start
(:func:`first_moment_edge`). The area estimate is unbiased for any blur symmetric about
the edge and uses every sample of the profile, so noise averages out along it. Colour
profiles are first reduced to one channel along the colour difference of the two sides
(:func:`contrast_channel`). Used by the heel tabs' outlines (:mod:`legcheck.vision.edges`),
the heel contours (:mod:`legcheck.vision.contour`) and manual-point snapping
(:mod:`legcheck.vision.snap`).

Frames: points are (x, y) photo pixels, pixel centres at integers; a profile's offsets
are pixels along its (unit) normal, negative before the edge (the "near" side).

References
----------
A. J. Tabatabai and O. R. Mitchell, "Edge location to subpixel values in digital imagery",
IEEE Trans. PAMI 6(2), 188-201, 1984 (moment-preserving edge location).
IEC 61966-2-1:1999, Multimedia systems and equipment - Colour measurement and management -
Default RGB colour space - sRGB (the decoding curve of :data:`SRGB_TO_LINEAR`).
"""

from __future__ import annotations

import numpy as np

from .._cv import cv2

_LEVELS = np.arange(256) / 255.0
#: sRGB decoding table (IEC 61966-2-1), uint8 code value -> linear light in [0, 1], float32.
SRGB_TO_LINEAR = np.where(_LEVELS <= 0.04045, _LEVELS / 12.92, ((_LEVELS + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linearize(img_u8: np.ndarray) -> np.ndarray:
    """sRGB-encoded uint8 pixels to float32 linear light in [0, 1], any shape.

    A phone's tone curve moves every blurred edge towards the dark side; in linear light
    a symmetric blur keeps the edge where it is.

    Parameters
    ----------
    img_u8 : ndarray, uint8, shape (H, W) or (H, W, C)

    Returns
    -------
    ndarray, float32, same shape

    References
    ----------
    IEC 61966-2-1:1999 (sRGB), the decoding curve.
    """
    return SRGB_TO_LINEAR[img_u8]


def linear_crop(img_u8: np.ndarray, pts_px: np.ndarray, pad_px: int) -> tuple[np.ndarray, np.ndarray]:
    """The linear-light crop of an image that holds ``pts_px`` with ``pad_px`` pixels to spare.

    Linearising only the region the profiles need keeps a 12-megapixel photo cheap.

    Parameters
    ----------
    img_u8 : ndarray, uint8, shape (H, W) or (H, W, C)
        sRGB-encoded photo pixels.
    pts_px : array_like, shape (N, 2)
        Points (x, y), photo pixels, the crop must contain.
    pad_px : int
        Margin around their bounding box, pixels. The crop is clipped to the image.

    Returns
    -------
    crop : ndarray, float32, shape (h, w) or (h, w, C)
        Linear light (:func:`linearize`).
    origin_px : ndarray, shape (2,), int
        Photo pixel (x, y) of the crop's pixel (0, 0): photo = crop + origin.
    """
    pts = np.asarray(pts_px, dtype=np.float64).reshape(-1, 2)
    x0, y0 = np.floor(pts.min(axis=0)).astype(int) - pad_px
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + pad_px
    h, w = img_u8.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w - 1), min(y1, h - 1)
    return linearize(img_u8[y0:y1 + 1, x0:x1 + 1]), np.array([x0, y0])


#: Spacing of the samples along a profile, px: fine enough that the first-moment sum is a good integral.
PROFILE_STEP_PX = 0.25


def profile_offsets(half_px: float, step_px: float = PROFILE_STEP_PX) -> np.ndarray:
    """A profile's sample positions: -half_px, -half_px + step_px, ... up to +half_px, pixels, shape (M,)."""
    return np.arange(-half_px, half_px + 1e-9, step_px)


def sample_profiles(image: np.ndarray, centres_px: np.ndarray, normals: np.ndarray, offsets_px: np.ndarray,
                    origin_px=(0, 0)) -> np.ndarray:
    """Bilinear samples of ``image`` along lines through ``centres_px`` in the direction ``normals``.

    Parameters
    ----------
    image : ndarray, float32, shape (H, W) or (H, W, C), C <= 4
        Linear light; the whole photo or a crop of it whose pixel (0, 0) is photo pixel ``origin_px``.
    centres_px : ndarray, shape (N, 2)
        Profile centres (x, y), photo pixels.
    normals : ndarray, shape (2,) or (N, 2)
        Unit direction of the profiles (one for all, or one per centre).
    offsets_px : ndarray, shape (M,)
        Sample positions along the normal, pixels from the centre.
    origin_px : array_like, shape (2,)
        Photo pixel (x, y) of ``image``'s pixel (0, 0) (see :func:`linear_crop`).

    Returns
    -------
    ndarray, float64, shape (N, M) or (N, M, C)
        ``profiles[i, j]`` is the image at ``centres_px[i] + offsets_px[j] * normal``; outside
        the image the border pixel is repeated.

    Notes
    -----
    OpenCV's bilinear remap resolves positions to 1/32 pixel, so a sample carries up to 1/64 px
    of position rounding; :func:`first_moment_edge` averages it over the profile.
    """
    cv = cv2()
    c = np.asarray(centres_px, dtype=np.float64).reshape(-1, 2)
    n = np.broadcast_to(np.asarray(normals, dtype=np.float64), c.shape)
    offs = np.asarray(offsets_px, dtype=np.float64)
    grid = c[:, None, :] + offs[None, :, None] * n[:, None, :] - np.asarray(origin_px, dtype=np.float64)
    mx = grid[..., 0].astype(np.float32)
    my = grid[..., 1].astype(np.float32)
    return cv.remap(image, mx, my, cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE).astype(np.float64)


def contrast_channel(profiles: np.ndarray, near, far) -> np.ndarray:
    """Colour profiles reduced to one channel: 1 at the ``near`` colour, 0 at the ``far`` colour.

    Each sample is projected onto the colour difference ``near - far``, so the channel has the
    full contrast of the two sides whatever their colours are.

    Parameters
    ----------
    profiles : ndarray, shape (..., C)
        Linear-light colour samples.
    near, far : array_like, shape (C,)
        Colours of the two sides.

    Returns
    -------
    ndarray, shape (...)
    """
    near = np.asarray(near, dtype=np.float64)
    far = np.asarray(far, dtype=np.float64)
    d = near - far
    return (profiles - far) @ d / max(float(d @ d), 1e-12)


def end_levels(profiles: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    """The level at each end of each profile: the median of its first and of its last ``q`` samples.

    Parameters
    ----------
    profiles : ndarray, shape (N, M)
    q : int
        Samples per end, 1 <= q <= M.

    Returns
    -------
    near, far : ndarray, shape (N,)
        Levels at the start (negative offsets) and at the end of each profile.
    """
    return np.median(profiles[:, :q], axis=1), np.median(profiles[:, -q:], axis=1)


def first_moment_edge(profiles: np.ndarray, offsets_px: np.ndarray, near, far) -> np.ndarray:
    """Sub-pixel position of a step from level ``near`` to level ``far`` on each profile.

    Each sample is normalised to the fraction of the near level it holds,
    ``f = (v - far) / (near - far)`` (clipped to [-0.5, 1.5] so a speck cannot pull the edge
    far), and the edge is where a sharp step would hold the same area:
    ``e = o_0 - d / 2 + d * sum(f)`` for offsets ``o_0, o_0 + d, ...``. For a step blurred by
    any kernel symmetric about the edge, sampled past the blur on both sides, this is exact up
    to the sampling of the blur (the area, i.e. the first moment of the derivative, is preserved).

    Parameters
    ----------
    profiles : ndarray, shape (N, M) or (M,)
        Samples, one profile per row, at ``offsets_px``.
    offsets_px : ndarray, shape (M,)
        Uniformly spaced sample offsets along the normal, pixels, increasing.
    near, far : float or ndarray, shape (N,)
        Levels before and after the edge (either may be the brighter). Where they are equal the
        result is meaningless: callers keep only profiles with enough contrast.

    Returns
    -------
    ndarray, shape (N,) (or a float for one profile)
        Edge offset along the normal, pixels, on the scale of ``offsets_px``.

    References
    ----------
    A. J. Tabatabai and O. R. Mitchell, "Edge location to subpixel values in digital imagery",
    IEEE Trans. PAMI 6(2), 188-201, 1984.
    """
    offs = np.asarray(offsets_px, dtype=np.float64)
    p = np.asarray(profiles, dtype=np.float64)
    step = offs[1] - offs[0]
    near = np.asarray(near, dtype=np.float64)[..., None]
    far = np.asarray(far, dtype=np.float64)[..., None]
    span = near - far
    frac = np.clip((p - far) / np.where(span != 0, span, 1.0), -0.5, 1.5)
    return offs[0] - step / 2 + frac.sum(axis=-1) * step
