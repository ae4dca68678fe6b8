"""Where stored photos live: a directory of files, or (PostgreSQL) a table inside the database.

Both keep the cleaned bytes of :mod:`legcheck.records.photos` content-addressed: a photo is
named ``ab/abcdef....jpg`` by the SHA-256 of its stored bytes, and its ``photos`` row (a
history row, hashed into the audit chain) holds that hash. The store uses either through the
same five calls: :meth:`save` (before the write transaction: the file is durable before the
record names it), :meth:`record` (inside it), :meth:`discard` (undo a save whose transaction
failed), :meth:`read` and :meth:`path`; :meth:`problems` is the database check's part.

:class:`DirectoryPhotos`
    Files under a directory: beside an SQLite database (``<stem>-photos``, owner-only), or a
    shared path every client of a PostgreSQL database mounts at the same place (files
    owner-and-group readable, so the clinic's group can read what another user stored).
:class:`DatabasePhotos`
    Rows of ``photo_blobs`` (``sha256``, ``data`` bytea) in the same transaction as the
    ``photos`` row: a one-server set-up needs no shared file system. :meth:`path` writes a
    photo once into a private cache directory (removed when the process ends) for the
    reports, which read files.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import shutil
import tempfile
from pathlib import Path

from ..errors import FileAccessError, RecordNotFoundError
from ..fileio import atomic_write, make_private_dir
from .photos import STORED_MODE, StoredPhoto, clean_photo

__all__ = ["DirectoryPhotos", "DatabasePhotos"]

#: Stored files in a shared photo directory: read-only, for the owner and the clinic's group.
SHARED_MODE = 0o440


def _sql(text):
    import sqlalchemy as sa

    return sa.text(text)


class DirectoryPhotos:
    """Photos as files ``root/ab/<sha256>.jpg|png``.

    Parameters
    ----------
    root : Path
        The photo directory (created owner-only if missing).
    shared : bool
        A directory several operating-system users share (PostgreSQL's ``photo_dir``):
        subdirectories are created group-writable (they inherit the group of a setgid
        ``root``) and files group-readable, instead of owner-only.
    """

    kind = "directory"

    def __init__(self, root: Path, shared: bool = False):
        self.root, self.shared = Path(root), shared

    def protected_paths(self) -> list[Path]:
        return [self.root]

    def _mkdir(self, d: Path) -> None:
        if not self.shared:
            make_private_dir(d)
            return
        make_private_dir(self.root)
        try:
            d.mkdir(mode=0o770, exist_ok=True)  # masked by the umask; the setgid bit is inherited
        except OSError as exc:
            raise FileAccessError(f"cannot create {d} ({exc.strerror}); check the shared photo directory") from None

    def save(self, photo: StoredPhoto, clean: bytes) -> StoredPhoto:
        """Write the file durably unless it is there; the returned photo says whether it was created."""
        dest = self.root / photo.relpath
        if dest.exists():
            return photo
        self._mkdir(dest.parent)
        atomic_write(dest, clean, mode=SHARED_MODE if self.shared else STORED_MODE)
        return StoredPhoto(**{**photo.__dict__, "created": True})

    def record(self, conn, photo: StoredPhoto, clean: bytes) -> None:
        """Nothing to add inside the transaction: the file was saved before it."""

    def discard(self, photo: StoredPhoto) -> None:
        """Remove a file :meth:`save` created for a transaction that failed."""
        if photo.created:
            with contextlib.suppress(OSError):
                (self.root / photo.relpath).unlink()

    def path(self, conn, sha256: str, relpath: str) -> Path:
        return self.root / relpath

    def read(self, conn, sha256: str, relpath: str) -> bytes:
        p = self.root / relpath
        try:
            return p.read_bytes()
        except OSError as exc:
            raise FileAccessError(f"cannot read the stored photo {p} ({exc.strerror}); run the database check") from None

    def problems(self, conn, photos: list[dict]) -> tuple[list[str], list[str]]:
        """(missing or changed photos, orphan files no record names)."""
        problems, known = [], set()
        for r in photos:
            known.add(r["relpath"])
            try:
                h = hashlib.sha256((self.root / r["relpath"]).read_bytes()).hexdigest()
            except OSError:
                problems.append(f"photo missing: {r['relpath']}")
                continue
            if h != r["sha256"]:
                problems.append(f"photo changed: {r['relpath']}")
        orphans = []
        if self.root.exists():
            orphans = sorted(rel for rel in (str(p.relative_to(self.root)) for p in self.root.glob("*/*"))
                             if rel not in known)
        return problems, orphans


_CACHE: list[Path] = []


def _cache_dir() -> Path:
    """One owner-only directory per process for photos read out of the database; removed at exit."""
    if not _CACHE:
        _CACHE.append(Path(tempfile.mkdtemp(prefix="legcheck-photos-")))
        atexit.register(shutil.rmtree, _CACHE[0], True)
    return _CACHE[0]


class DatabasePhotos:
    """Photos as rows of PostgreSQL's ``photo_blobs`` table, written with their ``photos`` row."""

    kind = "database"

    def protected_paths(self) -> list[Path]:
        return []

    def save(self, photo: StoredPhoto, clean: bytes) -> StoredPhoto:
        return photo  # nothing outside the transaction: the bytes go in with the record

    def record(self, conn, photo: StoredPhoto, clean: bytes) -> None:
        """Insert the bytes beside the ``photos`` row, inside the caller's write transaction."""
        if conn.execute(_sql("SELECT 1 FROM photo_blobs WHERE sha256 = :s"), {"s": photo.sha256}).first() is None:
            conn.execute(_sql("INSERT INTO photo_blobs (sha256, data) VALUES (:s, :d)"),
                         {"s": photo.sha256, "d": clean})

    def discard(self, photo: StoredPhoto) -> None:
        """Nothing to undo: the transaction that failed took the bytes with it."""

    def read(self, conn, sha256: str, relpath: str) -> bytes:
        data = conn.execute(_sql("SELECT data FROM photo_blobs WHERE sha256 = :s"), {"s": sha256}).scalar()
        if data is None:
            raise RecordNotFoundError(f"the stored photo {sha256[:12]} is missing from the database; run the "
                                      "database check")
        return bytes(data)

    def path(self, conn, sha256: str, relpath: str) -> Path:
        """The photo as a file in this process's private cache (written once, checked against its hash)."""
        dest = _cache_dir() / relpath
        if not dest.exists():
            data = self.read(conn, sha256, relpath)
            if hashlib.sha256(data).hexdigest() != sha256:
                raise FileAccessError(f"the stored photo {sha256[:12]} does not match its hash; run the database check")
            make_private_dir(dest.parent)
            atomic_write(dest, data, mode=STORED_MODE)
        return dest

    def problems(self, conn, photos: list[dict]) -> tuple[list[str], list[str]]:
        """(missing or changed photos, stored blobs no record names), hashed here, not by the server."""
        problems, known = [], {r["sha256"]: r["relpath"] for r in photos}
        seen = set()
        for sha, data in conn.execute(_sql("SELECT sha256, data FROM photo_blobs ORDER BY sha256")):
            seen.add(sha)
            if sha in known and hashlib.sha256(bytes(data)).hexdigest() != sha:
                problems.append(f"photo changed: {known[sha]}")
        problems += [f"photo missing: {rel}" for sha, rel in known.items() if sha not in seen]
        return problems, sorted(sha for sha in seen if sha not in known)


def store_photo(photos_dir: Path, data: bytes, original_sha256: str, orientation: int) -> StoredPhoto:
    """Store a photo's cleaned bytes under ``photos_dir`` as ``ab/abcdef....ext``, durably; idempotent.

    Parameters
    ----------
    photos_dir : Path
        The store's photo directory (created owner-only if missing).
    data : bytes
        The photo as measured (see :func:`clean_bytes`).
    original_sha256 : str
        SHA-256 of ``data`` as measured (recorded beside the stored one).
    orientation : int
        Its EXIF orientation (1-8).

    Returns
    -------
    StoredPhoto
        ``created`` is False when the same cleaned bytes were already stored.

    Raises
    ------
    ImageReadError
        The photo cannot be cleaned.
    FileAccessError
        The photo directory cannot be created or written.
    """
    photo, clean = clean_photo(data, original_sha256, orientation)
    return DirectoryPhotos(photos_dir).save(photo, clean)
