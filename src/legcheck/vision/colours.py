"""Colour models learnt per photo: what the table covering and the floor look like.

A pixel is described by its log intensity and its chromaticity (the blue and green shares of
linear light, scaled by :data:`CHROMA_SCALE` so that one unit of spread is comparable on both):
shading and uneven light change the first, paint changes the second. A model is a few colour
centres (k-means on samples of the photo itself, never fixed colours), each with its spread.

The distance of a pixel from a model forgives what light does to one surface and nothing else:

- intensity within :data:`FREE_LOG` of a centre (light falling off across a table or a floor),
  and down to ``shadow`` more on the dark side (a soft cast shadow keeps the colour);
- a move of the chromaticity straight towards or away from grey (a glossy vinyl's highlight adds
  white light: the dichromatic reflection model);
- chromaticity noise where the pixel is dark.

References
----------
S. A. Shafer, "Using color to separate reflection components", Color Research & Application
10(4), 210-218, 1985 (the dichromatic reflection model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._cv import cv2
from .profiles import linearize

#: Chromaticity shares are scaled by this: a spread of 0.1 is a share of 0.0125.
CHROMA_SCALE = 8.0
#: Grey in feature space (equal shares).
NEUTRAL = np.full(2, CHROMA_SCALE / 3, np.float32)
#: Smallest spreads of a centre (log intensity, chromaticity): sensor noise and JPEG.
MIN_SPREAD = np.array([0.10, 0.10, 0.10], np.float32)
#: Log intensity within this of a centre costs nothing (light falling off across a surface).
FREE_LOG = 0.35
#: A highlight may move the chromaticity towards grey down to this share of its distance from
#: grey, or a darker (less glossy) patch away from grey up to the second.
GLOSS_RANGE = (0.3, 1.6)


@dataclass(frozen=True)
class Centre:
    """One colour of a surface: its features (3,), their spreads (3,), and its share of the samples."""

    mean: np.ndarray
    spread: np.ndarray
    share: float


def features(bgr_u8: np.ndarray, blur_px: float = 0.8) -> np.ndarray:
    """Per-pixel colour features: log linear intensity and the scaled blue and green shares.

    Parameters
    ----------
    bgr_u8 : ndarray, uint8, shape (h, w, 3)
    blur_px : float
        Gaussian blur applied in linear light first (noise), pixels.

    Returns
    -------
    ndarray, float32, shape (h, w, 3)
    """
    cv = cv2()
    lin = cv.GaussianBlur(linearize(bgr_u8), (0, 0), blur_px) if blur_px > 0 else linearize(bgr_u8)
    total = lin.sum(axis=2) + 1e-4
    out = np.empty(lin.shape, np.float32)
    out[..., 0] = np.log(total)
    out[..., 1:] = lin[..., :2] / total[..., None] * CHROMA_SCALE
    return out


def learn(samples: np.ndarray, k: int = 4, min_share: float = 0.12) -> list[Centre]:
    """The colours of a surface from feature samples: k-means centres holding at least ``min_share``.

    Parameters
    ----------
    samples : ndarray, shape (N, 3)
        Features (:func:`features`); rows with NaN are dropped.
    k : int
        Most centres.
    min_share : float
        A centre with fewer of the samples is something else lying there (a leg, a shadow's edge).

    Returns
    -------
    list of Centre
        Empty when there are fewer than 20 samples.
    """
    cv = cv2()
    f = np.asarray(samples, np.float32)
    f = f[np.isfinite(f).all(axis=1)]
    if len(f) < 20:
        return []
    k = max(1, min(k, len(f) // 10))
    crit = (cv.TERM_CRITERIA_EPS + cv.TERM_CRITERIA_MAX_ITER, 30, 1e-3)
    cv.setRNGSeed(1)  # the same photo gives the same model
    _, lab, _ = cv.kmeans(f, k, None, crit, 3, cv.KMEANS_PP_CENTERS)
    lab = lab.ravel()
    out = []
    for i in range(k):
        sel = f[lab == i]
        if len(sel) >= min_share * len(f):
            med = np.median(sel, axis=0)
            spread = np.maximum(1.4826 * np.median(np.abs(sel - med), axis=0), MIN_SPREAD)
            out.append(Centre(med, spread, len(sel) / len(f)))
    return out


def _chroma_distance(c: np.ndarray, centre: np.ndarray, spread: float, gloss=GLOSS_RANGE) -> np.ndarray:
    """Chromaticity distance in spreads; moves along the line to grey within ``gloss`` are free."""
    v = centre - NEUTRAL
    length = float(np.linalg.norm(v))
    if length < 0.15:  # a grey surface: no direction to forgive
        return np.sqrt(((c - centre) ** 2).sum(-1)) / spread
    u = v / length
    q = c - NEUTRAL
    along_q = q @ u
    t = along_q / length
    perp = q - along_q[..., None] * u
    lo, hi = gloss
    along = np.where(t < lo, (lo - t) * length, np.where(t > hi, (t - hi) * length, 0.0))
    return np.sqrt((perp ** 2).sum(-1) + along ** 2) / spread


def distance(feat: np.ndarray, model: list[Centre], shadow: float = 1.4) -> np.ndarray:
    """How unlike a surface each pixel is: the distance in spreads to its nearest colour centre.

    Parameters
    ----------
    feat : ndarray, shape (..., 3)
        Features (:func:`features`).
    model : list of Centre
    shadow : float
        How much darker (log intensity, beyond :data:`FREE_LOG`) is still the surface in shadow.

    Returns
    -------
    ndarray, shape (...)
        Infinite everywhere when the model is empty.
    """
    best = np.full(feat.shape[:-1], np.inf, np.float32)
    for c in model:
        dl = feat[..., 0] - c.mean[0]
        dl = np.where(dl < 0, np.minimum(0.0, dl + FREE_LOG + shadow), np.maximum(0.0, dl - FREE_LOG))
        dark = np.clip(c.mean[0] - feat[..., 0], 0, None)  # chromaticity is noisy in the dark
        dc = _chroma_distance(feat[..., 1:], c.mean[1:], float(np.mean(c.spread[1:]))) / (1 + 0.6 * dark)
        best = np.minimum(best, np.sqrt((dl / c.spread[0]) ** 2 + dc ** 2))
    return best


def local_distance(feat: np.ndarray, ref: np.ndarray, spread: float = 0.12, shadow: float = 1.0,
                   free: float = 0.15) -> np.ndarray:
    """Distance of each pixel from a per-pixel reference colour (the surface's colour around it).

    Parameters
    ----------
    feat, ref : ndarray, shape (h, w, 3)
        Features and the reference features at every pixel.
    spread : float
        One spread in both intensity (log) and chromaticity (scaled).
    shadow, free : float
        As :func:`distance`, tighter: the reference already follows the light.

    Returns
    -------
    ndarray, shape (h, w)
    """
    dl = feat[..., 0] - ref[..., 0]
    dl = np.where(dl < 0, np.minimum(0.0, dl + free + shadow), np.maximum(0.0, dl - free))
    dark = np.clip(ref[..., 0] - feat[..., 0], 0, None)
    v = ref[..., 1:] - NEUTRAL
    length = np.maximum(np.linalg.norm(v, axis=-1), 1e-6)
    u = v / length[..., None]
    q = feat[..., 1:] - NEUTRAL
    along_q = (q * u).sum(-1)
    t = along_q / length
    perp = q - along_q[..., None] * u
    along = np.where(t < 0.5, (0.5 - t) * length, np.where(t > 1.4, (t - 1.4) * length, 0.0))
    iso = np.linalg.norm(feat[..., 1:] - ref[..., 1:], axis=-1)
    dc = np.where(length > 0.15, np.sqrt((perp ** 2).sum(-1) + along ** 2), iso) / (1 + 0.6 * dark)
    return np.sqrt(dl ** 2 + dc ** 2) / spread


def masked_blur(values: np.ndarray, weights: np.ndarray, sigma_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Normalised Gaussian blur of ``values`` (h, w, C) over ``weights`` (h, w), on a 4x reduced grid.

    Returns
    -------
    blurred : ndarray, shape (h, w, C)
    support : ndarray, shape (h, w)
        The blurred weights: where it is small the blur has little to go on.
    """
    cv = cv2()
    h, w = weights.shape
    k = 4
    size = (max(1, w // k), max(1, h // k))
    wf = weights.astype(np.float32)
    num = cv.GaussianBlur(cv.resize(values * wf[..., None], size, interpolation=cv.INTER_AREA), (0, 0), sigma_px / k)
    den = cv.GaussianBlur(cv.resize(wf, size, interpolation=cv.INTER_AREA), (0, 0), sigma_px / k)
    num = cv.resize(num, (w, h), interpolation=cv.INTER_LINEAR).reshape(h, w, -1)
    den = cv.resize(den, (w, h), interpolation=cv.INTER_LINEAR)
    return num / np.maximum(den, 1e-6)[..., None], den
