"""How a ``legcheck serve`` runs: the database, the data directory, limits, and the secret key.

The data directory holds what the server keeps beside the records: the session-signing key
(``web-secret.key``, 0600, made once), a self-signed TLS certificate when asked for one
(``web-tls/``) and the photos measured but not yet recorded (``web-uploads/``, owner-only,
removed when recorded or after :attr:`WebConfig.upload_ttl_s`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FileAccessError, RecordConflictError
from ..fileio import PRIVATE, atomic_write, make_private_dir

#: Largest request body accepted (a photo and its form fields), bytes.
DEFAULT_MAX_UPLOAD_BYTES = 40 * 1024 * 1024
#: A session lasts a clinic day, s.
DEFAULT_SESSION_TTL_S = 12 * 3600
SECRET_FILE = "web-secret.key"


def default_data_dir(db_location) -> Path:
    """Where the server keeps its files: beside the database file, else the user's data directory.

    Parameters
    ----------
    db_location : str, Path or None
        The database (None: ``$LEGCHECK_DB`` or the default file).
    """
    from ..records.sqlite import default_db_path

    if db_location is None:
        return default_db_path().parent
    if isinstance(db_location, str) and "://" in db_location:
        from platformdirs import user_data_dir

        return Path(user_data_dir("legcheck", appauthor=False))
    return Path(db_location).absolute().parent


def secret_key(data_dir: Path) -> bytes:
    """The key that signs session cookies: read from the data directory, made there once (0600).

    Raises
    ------
    FileAccessError
        The key cannot be read or written, or is not owner-only.
    """
    path = Path(data_dir) / SECRET_FILE
    if not path.exists():
        make_private_dir(path.parent)
        try:
            atomic_write(path, secrets.token_bytes(32).hex(), mode=PRIVATE, overwrite=False)
        except RecordConflictError:
            pass  # another server made it first: use theirs
    try:
        if path.stat().st_mode & 0o077:
            raise FileAccessError(f"{path} can be read by others; make it owner-only (chmod 600) or delete it")
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        raise FileAccessError(f"cannot read the session key {path} ({exc}); delete it and start again") from None
    if len(key) < 32:
        raise FileAccessError(f"the session key {path} is too short; delete it and start again")
    return key


@dataclass(frozen=True)
class WebConfig:
    """Everything :func:`legcheck.web.app.create_app` needs.

    Attributes
    ----------
    db : str, Path or None
        The store's location (``open_store``); None: ``$LEGCHECK_DB`` or the default file.
    data_dir : Path or None
        See the module docstring; None: :func:`default_data_dir`.
    tls : bool
        Served over HTTPS: session cookies are ``Secure`` (and ``__Host-`` prefixed).
    workers : int
        Measuring processes (0: measure in a thread of the server process; tests only).
    worker_threads : int
        OpenCV and BLAS threads per measuring process (0: their defaults).
    max_upload_bytes : int
        Larger request bodies are refused (413).
    session_ttl_s : int
        A session's life, s.
    upload_ttl_s : int
        How long a measured photo waits to be accepted, s.
    camera : path or None
        A camera profile every photo is measured with (None: estimated from the board).
    units : {"mm", "in"} or None
        How pages, results and reports show figures (None: the stored setting, else mm;
        :func:`legcheck.units.resolve_units`). JSON keeps millimetres and adds decimal inches.
    measure_defaults : dict
        Other :class:`~legcheck.pipeline.MeasureOptions` fields the server sets for every photo
        (``board``, ``tabs``, ``even_below_mm``...).
    """

    db: str | Path | None = None
    data_dir: Path | None = None
    tls: bool = False
    workers: int = 2
    worker_threads: int = 1
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    session_ttl_s: int = DEFAULT_SESSION_TTL_S
    upload_ttl_s: int = 2 * 3600
    camera: str | Path | None = None
    units: str | None = None
    measure_defaults: dict = field(default_factory=dict)

    @property
    def data_path(self) -> Path:
        """The data directory (see :func:`default_data_dir`)."""
        return Path(self.data_dir) if self.data_dir is not None else default_data_dir(self.db)
