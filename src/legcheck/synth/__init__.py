"""The scene renderer: rendered phone photos of a leg check with their ground truth.

Used by the tests, the benchmark and the bundled samples. Two layouts: the plain one (an
endless table, the board caudal of tabs or ellipsoid feet) and the drop-table one (a
finite table over a floor, a prone patient's legs on it with the feet hanging off its
end, the board beside the lower legs). :mod:`legcheck.synth.render` lists the modules.

Public API: :class:`Scene`, :class:`TabPlacement`, :func:`render`, :func:`write_scene`,
:func:`encode_jpeg`, the random families (:func:`random_visible_scene`,
:func:`random_visible_feet_scene`, :func:`random_drop_scene`, :func:`random_family_scene`),
:func:`scene_truth` (the sidecar of either layout), :func:`visible_heel_pixels` (plain layout)
and :func:`heel_pixels` (drop-table layout).
"""

from .drop_families import FAMILIES, random_drop_scene, random_family_scene  # noqa: F401
from .landmarks import heel_pixels  # noqa: F401
from .render import (FOOT_TABLE_COMBOS, FeetSpec, Scene, TabPlacement, encode_jpeg, random_feet_scene,  # noqa: F401
                     random_scene, random_visible_feet_scene, random_visible_scene, render, render_linear,
                     scene_from_json, visible_heel_pixels, write_scene)
from .sidecar import scene_truth  # noqa: F401
