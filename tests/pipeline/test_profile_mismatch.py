"""A camera profile of another lens or zoom is refused (exit 6), not measured with confidently; a poor one warns.

The hostile tester's finding: a profile from another lens gave lld_mm outside its own bound
(60 degrees above the table, focal length 30 % long: 5.8 +/- 0.9 mm against a true 4.0 mm).
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.errors import CameraProfileError
from legcheck.pipeline import measure_photo
from legcheck.synth.render import TabPlacement
from legcheck.vision.camera import FILM_DIAGONAL_MM

from conftest import profile_of, small_scene

SCENE = small_scene(elevation_deg=60.0, left_tab=TabPlacement((50.0, 80.0, 95.0), tilt_deg=25, yaw_deg=5),
                    right_tab=TabPlacement((205.0, 76.0, 110.0), tilt_deg=15, yaw_deg=-8))
#: The rendered phone's 35 mm-equivalent focal length, as its EXIF would say (27 mm for 1250 px at 2 MP).
FOCAL_35MM = round(SCENE.focal_px / np.hypot(SCENE.width, SCENE.height) * FILM_DIAGONAL_MM)


def _exif(focal_35mm=None):
    return {0x010F: "Synth", 0x0110: "Phone", **({"exif": {0xA405: int(focal_35mm)}} if focal_35mm else {})}


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """The scene, its EXIF without a focal length: only the board's perspective can witness."""
    from legcheck.synth.render import write_scene

    path = tmp_path_factory.mktemp("mismatch") / "sixty.jpg"
    truth = write_scene(SCENE, path, exif=_exif())
    return path, truth


@pytest.fixture(scope="module")
def photo_exif(tmp_path_factory):
    """The scene with EXIF's 35 mm-equivalent focal length, as a phone writes it."""
    from legcheck.synth.render import write_scene

    path = tmp_path_factory.mktemp("mismatch") / "sixty_exif.jpg"
    truth = write_scene(SCENE, path, exif=_exif(FOCAL_35MM))
    return path, truth


def _with_focal(profile, factor):
    K = profile.K.copy()
    K[0, 0] *= factor
    K[1, 1] *= factor
    return replace(profile, camera_matrix=tuple(K.ravel()))


@pytest.mark.parametrize("which", ["photo", "photo_exif"])
def test_the_right_profile_measures_within_its_bound(which, request):
    path, truth = request.getfixturevalue(which)
    prof = replace(profile_of(SCENE), extra={"lens": {"focal_35mm": FOCAL_35MM}})
    m = measure_photo(path, camera=prof).measurement
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm
    assert not any("POOR" in w for w in m.warnings)


@pytest.mark.parametrize("factor", [0.8, 1.3])
def test_a_profile_of_another_lens_is_refused_by_the_boards_perspective(photo, factor):
    path, _ = photo
    # Without EXIF's witness: only the board's perspective can tell.
    with pytest.raises(CameraProfileError) as exc:
        measure_photo(path, camera=_with_focal(profile_of(SCENE), factor))
    msg = exc.value.message
    assert exc.value.exit_code == 6 and "board's perspective" in msg and "another camera, lens or zoom" in msg
    # It names the profile's focal length and the board's, which lies within 3 % of the truth.
    board_f = float(msg.split("implies ")[1].split(" ")[0])
    assert f"({SCENE.focal_px * factor:.0f} px)" in msg and abs(board_f / SCENE.focal_px - 1) < 0.03


def test_a_profile_of_another_lens_is_refused_by_exif_lens(photo_exif, tmp_path):
    path, _ = photo_exif
    # The profile was made with the 2x lens (EXIF 54 mm-equivalent); the photo says 27 mm.
    prof = replace(profile_of(SCENE), extra={"lens": {"focal_35mm": 2 * FOCAL_35MM}})
    with pytest.raises(CameraProfileError, match="lens .*54 mm-equivalent.* taken with .*27 mm-equivalent"):
        measure_photo(path, camera=prof)
    # The command line: exit 6, one line, the JSON error object.
    prof.save(tmp_path / "tele.json")
    res = CliRunner().invoke(cli, ["measure", str(path), "--camera", str(tmp_path / "tele.json"), "--json"])
    assert res.exit_code == 6, res.output
    assert json.loads(res.stdout)["error"]["code"] == "camera_profile"
    assert len(res.stderr.strip().splitlines()) == 1


def test_exif_focal_length_contradicting_the_profile_is_refused(tmp_path):
    from legcheck.synth.render import write_scene

    path = tmp_path / "wide.jpg"
    write_scene(SCENE, path, exif=_exif(FOCAL_35MM // 2))  # EXIF says the 0.5x lens: 13 mm, 601 px
    expected = FOCAL_35MM // 2 / FILM_DIAGONAL_MM * np.hypot(SCENE.width, SCENE.height)
    with pytest.raises(CameraProfileError, match=f"EXIF says {expected:.0f} px"):
        measure_photo(path, camera=profile_of(SCENE))


def test_a_poor_profile_warns_and_still_covers(photo):
    path, truth = photo
    quality = {"grade": "poor", "warnings": [{"code": "frame_coverage", "severity": "poor", "message": "..."},
                                             {"code": "few_views", "severity": "usable", "message": "..."}]}
    prof = replace(profile_of(SCENE), extra={"quality": quality})
    m = measure_photo(path, camera=prof).measurement
    poor = [w for w in m.warnings if "graded POOR" in w]
    assert len(poor) == 1 and "(frame_coverage)" in poor[0] and "few_views" not in poor[0]
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm
