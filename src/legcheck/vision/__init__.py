"""From pixels to points: photo reading, camera profiles, calibration, board and tab
detection, sub-pixel edges, heel contours, and the annotated copy.

Public API (import from the modules; this package imports nothing heavy on its own):
:func:`legcheck.vision.imageio.load_photo`, :class:`legcheck.vision.camera.CameraProfile`,
:func:`legcheck.vision.calibrate.calibrate_photos`, :func:`legcheck.vision.detect.find_board`,
:func:`legcheck.vision.detect.find_tabs`, :func:`legcheck.vision.contour.find_heels`,
:func:`legcheck.vision.annotate.draw`.
"""
