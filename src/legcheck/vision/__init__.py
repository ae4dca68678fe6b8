"""From pixels to points: photo reading, camera profiles, calibration, board and tab
detection, sub-pixel edges, heel contours, and the annotated copy.

Modules: :mod:`.imageio` (photos), :mod:`.camera` and :mod:`.calibrate` (intrinsics),
:mod:`.detect` (board corners, heel tabs), :mod:`.profiles` (the one profile sampler and
first-moment edge), :mod:`.edges` (tab outlines), :mod:`.segment` (feet against the table),
:mod:`.contour` (heel landmarks), :mod:`.snap` (manual points), :mod:`.annotate`.

Public API (import from the modules; this package imports nothing heavy on its own):
:func:`legcheck.vision.imageio.load_photo`, :class:`legcheck.vision.camera.CameraProfile`,
:func:`legcheck.vision.calibrate.calibrate_photos`, :func:`legcheck.vision.detect.find_board`,
:func:`legcheck.vision.detect.find_tabs`, :func:`legcheck.vision.contour.find_heels`,
:func:`legcheck.vision.snap.snap_to_edge`, :func:`legcheck.vision.profiles.first_moment_edge`,
:func:`legcheck.vision.annotate.draw`.
"""
