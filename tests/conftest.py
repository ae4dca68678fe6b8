"""Shared fixtures: rendered scenes (cached for the session) and their camera profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from legcheck.vision.camera import CameraProfile
from legcheck.synth.render import Scene, TabPlacement, write_scene

REPO = Path(__file__).resolve().parent.parent
REALDATA = REPO.parent / "shared" / "realdata"
if not REALDATA.exists():  # CI clones main with ../shared beside the clone
    REALDATA = REPO.parent.parent / "shared" / "realdata"

#: A small phone (2 MP) keeps renders fast; 12 MP sweeps live in the benchmark.
SMALL = dict(width=1600, height=1200, focal_px=1250.0)


def small_scene(**kw) -> Scene:
    base = dict(SMALL, distance_mm=750.0, blur_px=0.7, noise=0.005, jpeg_quality=90, seed=7)
    base.update(kw)
    return Scene(**base)


def profile_of(scene: Scene) -> CameraProfile:
    return CameraProfile.from_arrays((scene.width, scene.height), scene.K, scene.dist, name="truth")


class SceneCache:
    def __init__(self, root: Path):
        self.root = root
        self.made = {}

    def get(self, name: str, scene: Scene, **kw):
        """(path, truth) of ``scene`` rendered once per session."""
        if name not in self.made:
            path = self.root / f"{name}.jpg"
            truth = write_scene(scene, path, **kw)
            self.made[name] = (path, truth)
        return self.made[name]


@pytest.fixture(scope="session")
def scenes(tmp_path_factory) -> SceneCache:
    return SceneCache(tmp_path_factory.mktemp("scenes"))


@pytest.fixture(scope="session")
def basic(scenes):
    """A plain scene, 75 degrees above the table, with the LEFT leg short by 4 mm."""
    scene = small_scene(elevation_deg=75.0,
                        left_tab=TabPlacement((50.0, 80.0, 95.0), tilt_deg=25, yaw_deg=5),
                        right_tab=TabPlacement((205.0, 76.0, 110.0), tilt_deg=15, yaw_deg=-8))
    path, truth = scenes.get("basic", scene)
    return scene, path, truth


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server for the session (Debian's postgresql; initdb into a temporary
    directory, a Unix socket only; run as ``nobody`` under root), stopped at the end."""
    from legcheck.records.pgtemp import TempPostgres

    server = TempPostgres().start()
    yield server
    server.stop()


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_server) -> str:
    """The superuser's location of a new, empty PostgreSQL database on the session's server."""
    return pg_server.create_database(f"t{next(_databases)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_location(request, tmp_path):
    """Where a new database goes, once per backend: an SQLite file path, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "clinic" / "legcheck.sqlite3"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The demo database (tests/records/_demo.py), built once per session as a closed SQLite file:
    never write to it (copy it with ``_demo.copy_sqlite``)."""
    from _demo import demo_database  # tests/records is on sys.path for the tests that use it

    db = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    demo_database(db)
    return db


_passed = 0


def pytest_runtest_logreport(report):
    global _passed
    if report.when == "call" and report.passed:
        _passed += 1


def pytest_sessionfinish(session, exitstatus):
    # CI must fail, not pass silently, when nothing ran (all deselected or skipped).
    if exitstatus == 0 and _passed == 0 and not session.config.option.collectonly:
        session.exitstatus = 5
