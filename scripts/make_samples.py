"""Regenerate sample_images/ and calibration/ from the renderer (deterministic).

sample_images/calibration_photos/  board photos of the sample phone
calibration/sample_phone.json       its profile, made by `legcheck calibrate` from them
calibration/targets/                the printable board and heel tabs
sample_images/*.jpg + .json         leg-check photos with their ground truth

`python scripts/make_samples.py --examples DIR` instead renders drop-table examples to DIR
(12 MP JPEGs with sidecars, PNG previews with the heel truth marked, a contact sheet).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from legcheck.vision.camera import CameraProfile, FILM_DIAGONAL_MM  # noqa: E402
from legcheck.synth.render import Scene, TabPlacement, write_scene  # noqa: E402
from legcheck.targets.printables import write_targets  # noqa: E402

PHONE = dict(width=4032, height=3024, focal_px=3100.0, principal_px=(2021.0, 1505.0),
             dist=(0.08, -0.16, 0.0004, -0.0003, 0.05))
F35 = round(PHONE["focal_px"] / math.hypot(4032, 3024) * FILM_DIAGONAL_MM)
EXIF = {0x010F: "legcheck", 0x0110: "Sample Phone", "exif": {0xA405: F35}}

CAL_VIEWS = [  # elevation, azimuth, roll, distance, target x, target y
    (62, 0, 0, 400, 126, -90), (58, 25, 10, 420, 60, -60), (66, -25, -12, 420, 190, -120),
    (75, 10, 25, 380, 40, -140), (78, -10, -25, 380, 210, -40), (55, 35, 5, 450, 126, -90),
    (85, 0, 90, 430, 126, -90), (60, -35, -5, 450, 110, -70), (70, 15, -35, 390, 150, -100),
]

MEASURE = [  # name, elevation, distance, left (x, y, z), right (x, y, z), tilts, extra
    ("overhead_right_short_6mm", 85, 800, (45, 84, 95), (205, 90, 110), (20, 10), {}),
    ("view70_left_short_3.5mm", 70, 850, (40, 103.5, 120), (215, 100, 105), (30, 25), {}),
    ("view60_right_short_2mm", 60, 900, (55, 70, 80), (200, 72, 88), (35, 35), {"table": "blue vinyl"}),
    ("oblique50_left_short_8mm", 50, 900, (50, 98, 100), (210, 90, 100), (40, 40), {"table": "grey cloth"}),
    ("view75_even", 75, 750, (48, 95.4, 130), (208, 95, 125), (15, 20), {"table": "black vinyl"}),
]


def main():
    samples = REPO / "sample_images"
    cal_dir = samples / "calibration_photos"
    cal_dir.mkdir(parents=True, exist_ok=True)
    for i, (el, az, roll, d, tx, ty) in enumerate(CAL_VIEWS):
        s = Scene(**PHONE, elevation_deg=el, azimuth_deg=az, roll_deg=roll, distance_mm=d, target_mm=(tx, ty, 0.0),
                  show_tabs=(), jpeg_quality=85, noise=0.005, blur_px=0.8, seed=100 + i, table="brown vinyl")
        write_scene(s, cal_dir / f"board_{i + 1:02d}.jpg", exif=EXIF)
    for i, (name, el, d, left, right, (tl, tr), extra) in enumerate(MEASURE):
        s = Scene(**PHONE, elevation_deg=el, distance_mm=d, target_mm=(126.0, 20.0, 50.0),
                  left_tab=TabPlacement(left, tilt_deg=tl, yaw_deg=6, roll_deg=-4),
                  right_tab=TabPlacement(right, tilt_deg=tr, yaw_deg=-5, roll_deg=3, side_tilt_deg=5),
                  jpeg_quality=88, seed=200 + i, **extra)
        write_scene(s, samples / f"{name}.jpg", exif=EXIF)
    # A portrait photo: the phone held sideways stores landscape pixels with EXIF orientation 6.
    sensor = CameraProfile.from_arrays((4032, 3024), [[PHONE["focal_px"], 0, PHONE["principal_px"][0]],
                                                      [0, PHONE["focal_px"], PHONE["principal_px"][1]], [0, 0, 1]], PHONE["dist"])
    rot = sensor.reoriented(6)
    s = Scene(width=3024, height=4032, focal_px=rot.K[0, 0], principal_px=(rot.K[0, 2], rot.K[1, 2]), dist=rot.dist_coeffs,
              elevation_deg=80, distance_mm=800, target_mm=(126.0, 10.0, 50.0),
              left_tab=TabPlacement((50, 80, 100), tilt_deg=20), right_tab=TabPlacement((200, 84.5, 95), tilt_deg=20),
              jpeg_quality=88, seed=300)
    write_scene(s, samples / "portrait_right_short_4.5mm.jpg", exif=EXIF, stored_orientation=6)
    write_targets(REPO / "calibration" / "targets", overwrite=True)
    subprocess.run([sys.executable, str(REPO / "cli.py"), "calibrate", *sorted(map(str, cal_dir.glob("*.jpg"))),
                    "--out", str(REPO / "calibration" / "sample_phone.json"), "--force"], check=True)




#: Drop-table photos without tabs (the real layout: feet over the table's end, the board beside
#: the legs), seen from the head side as contour mode needs: name, seed, random_drop_scene labels.
DROP = [
    ("drop_socks_left_short_5mm", 710, dict(footwear="white sock", lld_mm=5.0, board_side="left")),
]


def drop_samples():
    """Drop-table photos for contour mode and taps (the phone page's tests use them)."""
    import numpy as np
    from legcheck.synth.drop_families import random_drop_scene

    for name, seed, labels in DROP:
        s = random_drop_scene(np.random.default_rng(seed), view_side="head side", elevation_deg=(58.0, 70.0),
                              board_angle_deg=(-1.0, 1.0), **labels, **PHONE)
        write_scene(s, REPO / "sample_images" / f"{name}.jpg", exif=EXIF)


SERIES_DATES = ["2026-09-01", "2026-09-08", "2026-09-15", "2026-09-29", "2026-10-13", "2026-11-03"]
# A right leg that looks 6 mm short, mostly evened at each visit and holding better over time;
# flexed, it evens (Derifield positive).
SERIES_LLD = {
    ("pre", "extended"): [-6.0, -5.0, -4.2, -3.4, -2.6, -2.0],
    ("post", "extended"): [-1.4, -0.9, -0.8, -0.6, -0.4, -0.3],
    ("pre", "flexed"): [-0.4, 0.5, -0.3, -0.6, 0.2, -0.2],
    ("post", "flexed"): [0.3, -0.2, 0.1, 0.0, -0.3, 0.2],
}


def series_samples():
    """Six visits of one sample patient, heel tabs, pre and post, legs extended and flexed.

    Half-size photos (2016x1512) of the sample phone: small to keep in the repository,
    and measured with the full-size profile scaled to them.
    """
    import csv
    import numpy as np

    out = REPO / "sample_images" / "series"
    out.mkdir(parents=True, exist_ok=True)
    half = dict(width=2016, height=1512, focal_px=PHONE["focal_px"] / 2,
                principal_px=((PHONE["principal_px"][0] + 0.5) / 2 - 0.5, (PHONE["principal_px"][1] + 0.5) / 2 - 0.5),
                dist=PHONE["dist"])
    rng = np.random.default_rng(77)
    rows = []
    for v, date in enumerate(SERIES_DATES):
        for (phase, position), values in SERIES_LLD.items():
            lld = values[v]
            z = 95 if position == "extended" else 120  # knees bent: the heels ride higher
            y = 95 if position == "extended" else 60
            s = Scene(**half, elevation_deg=float(rng.uniform(70, 86)), azimuth_deg=float(rng.uniform(-6, 6)),
                      roll_deg=float(rng.uniform(-4, 4)), distance_mm=float(rng.uniform(750, 900)),
                      target_mm=(126.0, 20.0, 50.0),
                      left_tab=TabPlacement((48, y + lld / 2, z), tilt_deg=float(rng.uniform(10, 35)), yaw_deg=5),
                      right_tab=TabPlacement((206, y - lld / 2, z + float(rng.uniform(-8, 8))),
                                             tilt_deg=float(rng.uniform(10, 35)), yaw_deg=-5),
                      table="burgundy vinyl", jpeg_quality=85, seed=500 + len(rows))
            name = f"visit{v + 1}_{phase}_{position}.jpg"
            write_scene(s, out / name, exif=EXIF)
            rows.append({"visit": v + 1, "date": date, "file": name, "phase": phase, "position": position})
    with (out / "visits.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["visit", "date", "file", "phase", "position"])
        w.writeheader()
        w.writerows(rows)


def docs_images():
    """The README's two pictures: the set-up as rendered, and the annotated result."""
    from legcheck._cv import cv2
    from legcheck.pipeline import annotate, measure_photo

    cv = cv2()
    img_dir = REPO / "docs" / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    photo = REPO / "sample_images" / "view70_left_short_3.5mm.jpg"
    bgr = cv.imread(str(photo))
    cv.imwrite(str(img_dir / "setup.jpg"), cv.resize(bgr, (1200, 900), interpolation=cv.INTER_AREA),
               [cv.IMWRITE_JPEG_QUALITY, 85])
    result = measure_photo(photo, camera=REPO / "calibration" / "sample_phone.json")
    tmp = img_dir / "annotated_full.jpg"
    annotate(result, tmp, overwrite=True)
    ann = cv.imread(str(tmp))
    tmp.unlink()
    cv.imwrite(str(img_dir / "annotated.jpg"), cv.resize(ann, (1200, 900), interpolation=cv.INTER_AREA),
               [cv.IMWRITE_JPEG_QUALITY, 85])


EXAMPLES = [  # name, seed, random_drop_scene arguments
    ("bare_foot_end", 1, dict(footwear="bare", view_side="foot end", elevation_deg=(70.0, 80.0))),
    ("white_sock_head_side", 2, dict(footwear="white sock", view_side="head side", elevation_deg=(55.0, 65.0))),
    ("black_shoe_side", 3, dict(footwear="black shoe", view_side="side", elevation_deg=(60.0, 75.0))),
    ("white_sneaker_overhead", 4, dict(footwear="white sneaker", view_side="head side", elevation_deg=(80.0, 90.0))),
    ("brown_shoe_paper_roll", 5, dict(footwear="brown shoe", cover="paper roll", view_side="foot end")),
    ("grey_sock_between", 6, dict(footwear="grey sock", board_side="between", edge_in_view=False)),
    ("bare_dark_tiles_tabs", 7, dict(footwear="bare", floor="dark tiles", tabs=True, view_side="foot end",
                                    elevation_deg=(70.0, 85.0))),
    ("black_sock_patterned", 8, dict(footwear="black sock", cover="patterned sheet", view_side="head side")),
]


def drop_examples(out_dir, width=4032, height=3024):
    """Drop-table renders to look at (not committed): PNG previews, full JPEGs and sidecars, a contact sheet."""
    import numpy as np
    from legcheck._cv import cv2
    from legcheck.synth.drop_families import random_drop_scene

    cv = cv2()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tiles = []
    for name, seed, kw in EXAMPLES:
        s = random_drop_scene(np.random.default_rng(seed), width=width, height=height, **kw)
        truth = write_scene(s, out / f"{name}.jpg", exif=EXIF)
        img = cv.imread(str(out / f"{name}.jpg"))
        for side, lm in truth["landmarks"].items():  # the truth: landmark red, outline point green
            scale = img.shape[1] / 1600
            cv.circle(img, tuple(int(round(c)) for c in lm["px"]), int(8 * scale), (0, 0, 255), max(1, int(2 * scale)))
            if lm["outline"]["on_outline"]:
                cv.circle(img, tuple(int(round(c)) for c in lm["outline"]["px"]), int(8 * scale), (0, 255, 0),
                          max(1, int(2 * scale)))
        small = cv.resize(img, (1600, 1200), interpolation=cv.INTER_AREA)
        cv.imwrite(str(out / f"{name}.png"), small)
        tiles.append(cv.resize(small, (800, 600), interpolation=cv.INTER_AREA))
    sheet = np.vstack([np.hstack(tiles[i:i + 2]) for i in range(0, len(tiles) - 1, 2)])
    cv.imwrite(str(out / "contact_sheet.png"), sheet)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--examples":
        drop_examples(sys.argv[2])
        sys.exit(0)
    main()
    drop_samples()
    series_samples()
    docs_images()
