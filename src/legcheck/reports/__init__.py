"""Reports: a visit's pre/post comparison and a patient's trend, as HTML, PDF and CSV.

Reports take data bundles (plain dicts: ``pipeline.visit_bundle`` / ``pipeline.patient_bundle``),
never a store handle, and write no file except the PDF.

Public API (import from the modules; this package imports nothing heavy on its own):
:func:`legcheck.reports.data.visit_data`, :func:`legcheck.reports.data.patient_data`
(bundle -> report data; units, clinic name and date made as arguments or the bundle's
``settings``); :class:`legcheck.reports.change.Change` (the one description of a change between
two figures, used by the reports, ``visit show`` and the web app); :func:`legcheck.reports.html.visit_html`,
:func:`legcheck.reports.html.patient_html` (report data -> one self-contained HTML page, from
the Jinja2 templates in ``templates/``; :func:`legcheck.reports.html.environment` for pages
that extend them); :func:`legcheck.reports.charts.trend_svgs` (one chart per position);
:func:`legcheck.reports.pdf.write_pdf`; :func:`legcheck.reports.csvout.csv_rows_visit`,
:func:`legcheck.reports.csvout.csv_rows_patient`.
"""
