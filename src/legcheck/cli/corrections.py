"""Correction commands: amend a check (figure, phase, position, visit), void a check.

Every correction is a new version of the record with the author, the time and the reason; the
original stays readable in ``legcheck log --history`` (a voided check struck through).
"""

from __future__ import annotations

import click

from ..records.inputs import require_lld_mm
from ..records.vocabulary import PHASES, POSITIONS
from ._common import checked, db_option, handles_errors, open_db


@click.command()
@click.argument("check_id", type=int)
@click.option("--lld-mm", type=float, default=None, callback=checked(require_lld_mm),
              help="The corrected figure, mm (positive: left leg short), typed by hand: the method becomes "
                   "'manual entry'. Needs --uncertainty-mm.")
@click.option("--uncertainty-mm", type=click.FloatRange(min=0), default=None,
              help="The 95 %% bound of --lld-mm, mm (a typed figure never keeps the measured one's bound).")
@click.option("--phase", type=click.Choice(PHASES), default=None, help="The check was recorded with the wrong phase.")
@click.option("--position", type=click.Choice(POSITIONS), default=None,
              help="The check was recorded with the wrong position.")
@click.option("--visit", "visit_id", type=int, default=None,
              help="The check belongs to another visit of the same patient.")
@click.option("--reason", required=True, help="Why (kept with the amendment).")
@click.option("--author", default=None,
              help="Who made the correction, recorded as a claim beside your login name (the author).")
@db_option
@handles_errors
def amend(check_id, lld_mm, uncertainty_mm, phase, position, visit_id, reason, author, db_path, create_db):
    """Correct a check: a new record supersedes it; the original stays readable (log --history).

    A check recorded for the wrong patient is voided ('legcheck void') and recorded again.
    """
    if not reason.strip():
        raise click.BadParameter("an amendment needs a reason", param_hint="'--reason'")
    if lld_mm is not None and uncertainty_mm is None:
        raise click.BadParameter("a figure typed by hand needs its 95 % bound: give --uncertainty-mm too",
                                 param_hint="'--uncertainty-mm'")
    if uncertainty_mm is not None and lld_mm is None:
        raise click.BadParameter("--uncertainty-mm goes with --lld-mm", param_hint="'--uncertainty-mm'")
    if all(v is None for v in (lld_mm, phase, position, visit_id)):
        raise click.UsageError("give what changes: --lld-mm with --uncertainty-mm, --phase, --position or --visit")
    with open_db(db_path, create_db) as st:
        new_id = st.amend_check(check_id, lld_mm, reason, author, uncertainty_mm=uncertainty_mm, phase=phase,
                                position=position, visit_id=visit_id)
    click.echo(f"check {check_id} amended by check {new_id}")


@click.command()
@click.argument("check_id", type=int)
@click.option("--reason", required=True, help="Why (kept with the void).")
@click.option("--author", default=None,
              help="Who voided it, recorded as a claim beside your login name (the author).")
@db_option
@handles_errors
def void(check_id, reason, author, db_path, create_db):
    """Void a check recorded in error: hidden from every figure and report, struck through in log --history."""
    if not reason.strip():
        raise click.BadParameter("a void needs a reason", param_hint="'--reason'")
    with open_db(db_path, create_db) as st:
        new_id = st.void_check(check_id, reason, author)
    click.echo(f"check {check_id} voided (record {new_id})")
