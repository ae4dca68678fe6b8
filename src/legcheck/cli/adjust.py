"""The adjustment command: drop pieces, listing and findings of a visit; voiding a drop piece."""

from __future__ import annotations

import click

from ..records.vocabulary import ADJUSTMENT_SIDES, DERIFIELD, PIECES, SIDES
from ..textsafe import shown
from ._common import db_option, handles_errors, open_db


@click.command()
@click.option("--visit", "visit_id", type=int, default=None)
@click.option("--piece", type=click.Choice(PIECES), default=None, help="Drop piece used.")
@click.option("--side", type=click.Choice(ADJUSTMENT_SIDES), default=None)
@click.option("--listing", default=None, help='Listing, e.g. "PI right ilium".')
@click.option("--derifield", type=click.Choice(DERIFIELD), default=None,
              help="Override the Derifield result derived from the checks.")
@click.option("--pd", "pd_side", type=click.Choice(SIDES), default=None, help="Pelvic deficient side.")
@click.option("--override-red-flag", "override", default=None, metavar="REASON",
              help="Record the drop piece although the visit has an open red flag, and why (audited).")
@click.option("--void", "void_id", type=int, default=None, metavar="ID",
              help="Void the drop-piece record ID (made by mistake); needs --reason.")
@click.option("--reason", default=None, help="Why the record is voided.")
@db_option
@handles_errors
def adjust(visit_id, piece, side, listing, derifield, pd_side, override, void_id, reason, db_path, create_db):
    """Record the adjustment of a visit: drop pieces, listing, findings (or void a drop piece)."""
    from ..records.bundles import visit_summary

    if void_id is not None:
        if any((visit_id, piece, side, listing, derifield, pd_side, override)):
            raise click.UsageError("--void takes only --reason")
        if not (reason or "").strip():
            raise click.BadParameter("give the reason for the void", param_hint="'--reason'")
        with open_db(db_path, create_db) as st:
            new_id = st.void_adjustment(void_id, reason)
        click.echo(f"adjustment {void_id} voided (record {new_id})")
        return
    if visit_id is None:
        raise click.UsageError("give --visit ID (or --void ID --reason TEXT)")
    if not any((piece, listing, derifield, pd_side)):
        raise click.UsageError("give --piece, --listing, --derifield or --pd")
    if override is not None and not piece:
        raise click.UsageError("--override-red-flag goes with --piece")
    with open_db(db_path, create_db) as st:
        if piece:
            st.add_adjustment(visit_id, piece, side, listing, override_red_flag=override)
        if listing or derifield or pd_side:
            st.set_findings(visit_id, derifield, pd_side, listing)
        s = visit_summary(st, visit_id)
        flags = st.open_red_flags(visit_id)
    if flags and override and piece:
        click.echo("legcheck: warning: drop piece recorded on a visit with an open red flag; the override and its "
                   "reason are in the audit", err=True)
    pieces = ", ".join(a["piece"] + (" " + a["side"] if a["side"] else "") for a in s["adjustments"]) or "-"
    click.echo(shown(f"Visit {visit_id}: Derifield {s['derifield'] or 'not determined'}, PD {s['pd_side'] or '-'}, "
                     f"pieces: {pieces}"))
