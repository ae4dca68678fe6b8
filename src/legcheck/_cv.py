"""The one place cv2 is imported.

OpenCV reads ``OPENCV_IO_MAX_IMAGE_PIXELS`` once, when cv2 is first imported;
setting it later has no effect. Every module gets cv2 through :func:`cv2` so the
limit is in place before the first decode and a decompression bomb is refused by
the decoder itself (we also check the header size before decoding).
"""

from __future__ import annotations

import os

MAX_IMAGE_PIXELS = 100_000_000  # 100 megapixels: far above any phone photo (48-200 MP modes bin to 12 MP)

_cv2 = None


def cv2():
    """Return the cv2 module, importing it with the pixel limit set."""
    global _cv2
    if _cv2 is None:
        os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))
        import cv2 as _module  # noqa: PLC0415  (deferred: keeps `legcheck --help` instant)

        try:
            _module.utils.logging.setLogLevel(_module.utils.logging.LOG_LEVEL_ERROR)
        except AttributeError:  # pragma: no cover - older builds
            pass
        _cv2 = _module
    return _cv2
