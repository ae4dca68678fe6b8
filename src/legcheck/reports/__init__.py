"""Reports: a visit's pre/post comparison and a patient's trend, as HTML, PDF and CSV.

Public API: :func:`legcheck.reports.data.visit_data`, :func:`legcheck.reports.data.patient_data`,
:func:`legcheck.reports.html.visit_html`, :func:`legcheck.reports.html.patient_html`,
:func:`legcheck.reports.html.write_pdf`.
"""
