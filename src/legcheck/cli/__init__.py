"""Command line: parses, calls the library, prints. Nothing here measures or writes records itself.

One module per command group (:mod:`.measure`, :mod:`.patients`, :mod:`.visits`, :mod:`.checks`,
:mod:`.corrections`, :mod:`.adjust`, :mod:`.assess`, :mod:`.settings`, :mod:`.db`, :mod:`.reports`,
:mod:`.serve`, :mod:`.users`), all registered here; the option bundles and the
one error mapping are in :mod:`._common`. Every command maps a
:class:`legcheck.errors.LegcheckError` to its exit code and a one-line message (stderr), or with
``--json`` to ``{"error": {...}}`` on stdout (click's own usage errors too, on one line:
:class:`._usage.OneLineUsageGroup`). Progress and warnings go to stderr; ``--json``
output alone goes to stdout. Heavy imports wait inside the commands, so ``--help`` is instant.
"""

from __future__ import annotations

import click

from . import adjust, assess, checks, corrections, db, measure, patients, reports, serve, settings, users, visits
from ._usage import OneLineUsageGroup


@click.group(cls=OneLineUsageGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="legcheck")
def cli():
    """legcheck: apparent leg-length difference, in mm, from a photo of a prone patient's heels.

    \b
    Start here:
      legcheck targets --out print/        print the board and heel tabs
      legcheck measure photo.jpg           which leg is short, by how much
    """


for _command in (measure.targets, measure.calibrate, measure.measure, measure.bench,
                 patients.patient, visits.visit, checks.check, checks.log, corrections.amend, corrections.void,
                 checks.export, adjust.adjust, assess.assess, assess.reaction, db.init, db.backup, db.restore, db.db, db.audit,
                 reports.report, serve.serve, users.user, settings.config, settings.info):
    cli.add_command(_command)


def main():
    """The ``legcheck`` console script."""
    cli(prog_name="legcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
