"""``legcheck serve``: the web app for the phone at the table (:mod:`legcheck.web`), run by uvicorn."""

from __future__ import annotations

import ipaddress
import logging
import sys
from pathlib import Path

import click

from ..errors import UsageError
from ._common import db_option, handles_errors, open_db, units_option

DEFAULT_PORT = 8470


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plan_tls(host: str, lan: bool, cert, key, self_signed: bool) -> tuple[str, bool]:
    """Where to listen and whether TLS is on; refuses the network without TLS.

    Returns
    -------
    (str, bool)
        The address to bind and whether TLS is on.

    Raises
    ------
    UsageError
        Listening beyond this machine without ``lan``, ``lan`` without TLS, a certificate
        without its key (or the reverse), or both a certificate and ``self_signed``.
    """
    if (cert is None) != (key is None):
        raise UsageError("give the certificate and its key together (--cert and --key)")
    if cert is not None and self_signed:
        raise UsageError("give --cert/--key or --self-signed, not both")
    tls = cert is not None or self_signed
    if lan and host == "127.0.0.1":
        host = "0.0.0.0"
    if not _loopback(host) and not lan:
        raise UsageError(f"listening on {host} reaches other machines; add --lan (which needs TLS) or use 127.0.0.1")
    if lan and not tls:
        raise UsageError("--lan serves patient data on the network and needs TLS: give --cert and --key, "
                         "or --self-signed")
    return host, tls


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--lan", is_flag=True, help="Listen on the local network (all addresses); needs TLS.")
@click.option("--cert", type=click.Path(dir_okay=False, exists=True), default=None, help="TLS certificate (PEM).")
@click.option("--key", type=click.Path(dir_okay=False, exists=True), default=None, help="TLS private key (PEM).")
@click.option("--self-signed", is_flag=True, help="Use a self-signed certificate made once in the data directory.")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Photos measured at once (one process each; about one per core).")
@click.option("--worker-threads", type=click.IntRange(0, 64), default=1, show_default=True,
              help="OpenCV threads in each worker (0: one per core).")
@click.option("--max-upload-mb", type=click.FloatRange(1, 1000), default=40, show_default=True,
              help="Largest upload accepted, MB.")
@click.option("--camera", "camera_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Camera profile every photo is measured with (from 'legcheck calibrate').")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Session key, TLS certificate, photos waiting (default: beside the database).")
@units_option
@db_option
@handles_errors
def serve(host, port, lan, cert, key, self_signed, workers, worker_threads, max_upload_mb, camera_path, data_dir, units,
          db_path, create_db):
    """Serve the phone page: take the photo, see the figure, record the check.

    \b
    On this computer:  legcheck serve
    For phones:        legcheck serve --lan --self-signed   (prints a QR code to open)
    Users first:       legcheck user add NAME --role practitioner
    """
    host, tls = plan_tls(host, lan, cert, key, self_signed)
    with open_db(db_path, create_db) as st:  # a missing or foreign database: exit 10 before anything starts
        has_users = bool(st.users())
    import uvicorn

    from ..web.app import create_app
    from ..web.config import WebConfig, default_data_dir
    from ..web.tls import fingerprint, lan_addresses, self_signed as make_self_signed

    data = Path(data_dir) if data_dir else default_data_dir(db_path)
    addresses = lan_addresses() if lan else []
    if self_signed:
        cert, key = make_self_signed(data, addresses)
    config = WebConfig(db=db_path, data_dir=data, tls=tls, workers=workers, worker_threads=worker_threads,
                       max_upload_bytes=int(max_upload_mb * 2**20), camera=camera_path, units=units)
    app = create_app(config)
    if not has_users:
        click.echo("no users yet: add one first with  legcheck user add NAME --role practitioner", err=True)
    scheme = "https" if tls else "http"
    shown = addresses[0] if (lan and addresses) else ("127.0.0.1" if host in ("0.0.0.0", "::") else host)
    url = f"{scheme}://{shown}:{port}/"
    click.echo(f"legcheck serving at {url}  (Ctrl-C stops; photos being measured are finished first)")
    if self_signed:
        click.echo(f"self-signed certificate {cert}\n  SHA-256 {fingerprint(cert)}\n"
                   "  the phone warns once: compare this fingerprint, then continue")
    _print_qr(url, lan)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    uvicorn.run(app, host=host, port=port, ssl_certfile=str(cert) if cert else None,
                ssl_keyfile=str(key) if key else None, access_log=False, log_level="info",
                timeout_graceful_shutdown=None, server_header=False)


def _print_qr(url: str, lan: bool) -> None:
    """The URL as a QR code in the terminal, for a phone's camera."""
    import segno

    click.echo("Open it on the phone (scan):" if lan else
               "Open it here (scan: a phone reaches it only with --lan):")
    segno.make(url, error="m").terminal(out=sys.stdout, compact=True)
