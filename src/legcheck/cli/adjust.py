"""The adjustment command: drop pieces, listing and findings of a visit."""

from __future__ import annotations

import click

from ..records.vocabulary import ADJUSTMENT_SIDES, DERIFIELD, PIECES, SIDES
from ..textsafe import shown
from ._common import db_option, handles_errors, open_db


@click.command()
@click.option("--visit", "visit_id", type=int, required=True)
@click.option("--piece", type=click.Choice(PIECES), default=None, help="Drop piece used.")
@click.option("--side", type=click.Choice(ADJUSTMENT_SIDES), default=None)
@click.option("--listing", default=None, help='Listing, e.g. "PI right ilium".')
@click.option("--derifield", type=click.Choice(DERIFIELD), default=None,
              help="Override the Derifield result derived from the checks.")
@click.option("--pd", "pd_side", type=click.Choice(SIDES), default=None, help="Pelvic deficient side.")
@db_option
@handles_errors
def adjust(visit_id, piece, side, listing, derifield, pd_side, db_path, create_db):
    """Record the adjustment of a visit: drop pieces, listing, findings."""
    from ..records.bundles import visit_summary

    if not any((piece, listing, derifield, pd_side)):
        raise click.UsageError("give --piece, --listing, --derifield or --pd")
    with open_db(db_path, create_db) as st:
        if piece:
            st.add_adjustment(visit_id, piece, side, listing)
        if listing or derifield or pd_side:
            st.set_findings(visit_id, derifield, pd_side, listing)
        s = visit_summary(st, visit_id)
    pieces = ", ".join(a["piece"] + (" " + a["side"] if a["side"] else "") for a in s["adjustments"]) or "-"
    click.echo(shown(f"Visit {visit_id}: Derifield {s['derifield'] or 'not determined'}, PD {s['pd_side'] or '-'}, "
                     f"pieces: {pieces}"))
