"""A report on paper: the same self-contained HTML printed to PDF by headless Chromium.

The paper size comes from the page's own CSS (``@page { size: ... }``, set by
:func:`legcheck.reports.html.visit_html` and :func:`~legcheck.reports.html.patient_html`), so
the PDF and a browser's print of the HTML are the same pages.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import PdfError
from ..fileio import PRIVATE, atomic_write

__all__ = ["CHROMIUM_FLAGS", "find_chromium", "pdf_bytes", "write_pdf"]

#: Headless, no GPU, and nothing fetched or updated behind the page's back.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--hide-scrollbars"]


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable on PATH, or None.

    Returns
    -------
    str or None
        Path of the first of ``chromium``, ``chromium-browser``, ``google-chrome``,
        ``google-chrome-stable`` found.
    """
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def pdf_bytes(html_text: str, timeout_s: float = 120.0) -> bytes:
    """Print a report's HTML to PDF with headless Chromium, in a private temporary folder.

    Parameters
    ----------
    html_text : str
        A complete, self-contained HTML page (as :mod:`legcheck.reports.html` makes).
    timeout_s : float
        Seconds Chromium may take before the print is abandoned.

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    PdfError
        Chromium is not installed, took longer than ``timeout_s``, or wrote no PDF (the message
        holds the last line Chromium printed, which says why).
    """
    exe = find_chromium()
    if exe is None:
        raise PdfError("printing a report to PDF needs Chromium; install it (Debian: apt-get install chromium) "
                       "or open the HTML report and print it")
    with tempfile.TemporaryDirectory(prefix="legcheck-pdf-") as tmp:  # owner-only (0700)
        src = atomic_write(Path(tmp) / "report.html", html_text, mode=PRIVATE)
        out = Path(tmp) / "report.pdf"
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", src.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium took longer than {timeout_s:g} s to print the report; "
                           "open the HTML report and print it instead") from None
        except OSError as exc:
            raise PdfError(f"Chromium ({exe}) could not be started ({exc.strerror}); open the HTML report and "
                           "print it instead") from None
        if not out.exists() or out.stat().st_size == 0:
            said = [ln.strip() for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
            why = f" (exit status {done.returncode}: {said[-1][:300]})" if said else f" (exit status {done.returncode})"
            raise PdfError(f"Chromium did not write the PDF{why}; open the HTML report and print it instead")
        return out.read_bytes()


def write_pdf(html_text: str, pdf_path, timeout_s: float = 120.0, overwrite: bool = False, protected=()) -> Path:
    """Print a report's HTML to PDF (:func:`pdf_bytes`) and write it under the one output rule, 0600.

    Parameters
    ----------
    html_text : str
    pdf_path : str or Path
        The PDF to write, in a folder that exists.
    timeout_s : float
    overwrite : bool
        When False an existing ``pdf_path`` is refused (OutputExistsError).
    protected : iterable of Path
        A store's ``protected_paths()``.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    PdfError
        As :func:`pdf_bytes`.
    UsageError, OutputExistsError, FileAccessError
        As :func:`legcheck.outputs.check_output`, checked before Chromium runs.
    """
    from ..outputs import check_output, write_output

    check_output(pdf_path, overwrite=overwrite, protected=protected)
    return write_output(pdf_path, pdf_bytes(html_text, timeout_s), mode=PRIVATE, overwrite=overwrite,
                        protected=protected)
