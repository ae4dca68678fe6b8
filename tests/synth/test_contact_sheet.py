"""Every scene family renders a believable photo: one of each on a contact sheet (a test artefact)."""

from __future__ import annotations

import numpy as np

from legcheck._cv import cv2
from legcheck.synth.drop_families import FAMILIES, random_family_scene
from legcheck.synth.render import render

TILE = (480, 360)


def test_contact_sheet_of_every_family(tmp_path):
    rng = np.random.default_rng(8)
    tiles = []
    kinds = [(f, {}) for f in FAMILIES] + [("drop table", {"footwear": fw, "view_side": vs})
                                          for fw, vs in (("white sneaker", "head side"), ("black sock", "side"),
                                                         ("brown shoe", "foot end"), ("bare", "head side"))]
    for family, kw in kinds:
        scene = random_family_scene(rng, family, width=TILE[0], height=TILE[1], **kw)
        img = render(scene)
        assert img.shape == (TILE[1], TILE[0], 3)
        # A photo, not a blank: a spread of tones, and no clipped white over large areas.
        gray = img.mean(axis=2)
        assert gray.std() > 12 and (gray > 250).mean() < 0.05, family
        cv2().putText(img, family, (8, 20), cv2().FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 255), 1, cv2().LINE_AA)
        tiles.append(img)
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    sheet = np.vstack([np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)])
    path = tmp_path / "contact_sheet.png"
    assert cv2().imwrite(str(path), sheet)
    print(f"contact sheet: {path}")
