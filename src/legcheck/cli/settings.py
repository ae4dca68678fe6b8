"""The clinic's configuration, kept in the database (``config``), and ``legcheck info``.

Settings: ``camera`` (a camera profile: every check without ``--camera`` is measured with it, and
records its name and hash), ``clinic-name`` (the reports' header), ``units`` (mm or in: every
command, report and page that shows figures, unless ``--units``) and ``even-below-mm`` (the
"even" threshold of new checks and of the visit summaries). Each change is a new version in the
audited, append-only ``config`` table.
"""

from __future__ import annotations

import json

import click

from ..records.vocabulary import MAX_EVEN_BELOW_MM, SETTINGS
from ..textsafe import shown
from ._common import db_option, emit, handles_errors, open_db



def setting_value(setting: str, value: str) -> str:
    """The text stored for ``setting`` once ``value`` is checked (a camera profile: its file's JSON text).

    Raises
    ------
    UsageError
        A unit other than mm or in; a threshold not a number of millimetres 0-10.
    CameraProfileError
        The file is not a usable camera profile.
    """
    from ..records.inputs import require_mm, require_text
    from ..units import check_units

    if setting == "camera":
        from pathlib import Path

        from ..vision.camera import CameraProfile

        CameraProfile.load(value)  # refuses a file that is not a usable profile
        return Path(value).read_text(encoding="utf-8")
    if setting == "units":
        return check_units(value)
    if setting == "even-below-mm":
        return f"{require_mm('even-below-mm', value, MAX_EVEN_BELOW_MM, signed=False):g}"
    return require_text(setting, value)


def shown_settings(cfg: dict) -> dict:
    """The settings as people read them: a camera profile by its name and hash, not its JSON."""
    out = dict(cfg)
    if "camera" in out:
        from ..vision.camera import CameraProfile

        ident = CameraProfile.from_text(out["camera"], "the stored camera profile").identity()
        out["camera"] = f"{ident['name'] or '(unnamed)'} (sha256 {ident['sha256'][:12]})"
    return out


@click.group()
def config():
    """The clinic's settings, kept in the database: camera, clinic-name, units, even-below-mm."""


@config.command("set")
@click.argument("setting", type=click.Choice(SETTINGS))
@click.argument("value")
@click.option("--reason", default=None, help="Why (default: what changed).")
@db_option
@handles_errors
def config_set(setting, value, reason, db_path, create_db):
    """Set SETTING to VALUE (camera: a profile file from 'legcheck calibrate'; units: mm or in)."""
    text = setting_value(setting, value)
    with open_db(db_path, create_db) as st:
        st.set_config(setting, text, reason)
        now = shown_settings(st.config())[setting]
    click.echo(shown(f"{setting} = {now}"))


@config.command("unset")
@click.argument("setting", type=click.Choice(SETTINGS))
@click.option("--reason", default=None)
@db_option
@handles_errors
def config_unset(setting, reason, db_path, create_db):
    """Unset SETTING: back to its default."""
    with open_db(db_path, create_db) as st:
        st.set_config(setting, None, reason)
    click.echo(f"{setting} unset")


@config.command("show")
@click.option("--history", is_flag=True, help="Every version of every setting.")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def config_show(history, as_json, db_path, create_db):
    """The settings now (or their history)."""
    with open_db(db_path, create_db) as st:
        if history:
            rows = [{**r, "value": shown_settings({r["setting"]: r["value"]}).get(r["setting"]) if r["value"] else ""}
                    for r in st.config_history()]
            emit(rows, ["id", "setting", "value", "author", "reason", "created_at"], as_json)
            return
        cfg = shown_settings(st.config())
    if as_json:
        click.echo(json.dumps(cfg))
        return
    for s in SETTINGS:
        click.echo(shown(f"{s}: {cfg.get(s, '(not set)')}"))


@click.command()
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def info(as_json, db_path, create_db):
    """Where the records are, the settings, and the version."""
    from importlib.metadata import version

    with open_db(db_path, create_db) as st:
        out = {"database": st.location, "photos": str(st.photos_dir), "schema": st.schema_version(),
               "settings": shown_settings(st.config()), "version": version("legcheck")}
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(f"legcheck {out['version']}")
    click.echo(shown(f"database: {out['database']} (schema {out['schema']})"))
    click.echo(shown(f"photos:   {out['photos']}"))
    for s in SETTINGS:
        click.echo(shown(f"{s}: {out['settings'].get(s, '(not set)')}"))
