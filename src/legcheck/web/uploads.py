"""Photos measured but not yet recorded: one owner-only directory per upload, for a while.

The phone uploads a photo once (``POST /api/measure``); the result, its annotated copy and the
photo wait here under a random id until the user accepts (the check is recorded from this copy
and the directory removed), retakes, or :attr:`Uploads.ttl_s` passes. Only the user who
uploaded a photo can see it or record it.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import RecordNotFoundError
from ..fileio import PRIVATE, atomic_write, make_private_dir

_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


@dataclass(frozen=True)
class Upload:
    """One uploaded photo: its id, its directory, who sent it, and the photo's and annotated copy's paths."""

    id: str
    dir: Path
    owner: str
    filename: str

    @property
    def photo(self) -> Path:
        """The photo as uploaded."""
        return self.dir / "photo"

    @property
    def annotated(self) -> Path:
        """Its annotated copy (JPEG), once measured."""
        return self.dir / "annotated.jpg"


class Uploads:
    """The uploads directory.

    Parameters
    ----------
    root : Path
        Created owner-only if missing.
    ttl_s : float
        An upload older than this is removed by :meth:`sweep` and no longer found.
    """

    def __init__(self, root: Path, ttl_s: float):
        self.root = make_private_dir(root)
        self.ttl_s = ttl_s

    def save(self, data: bytes, owner: str, filename: str | None) -> Upload:
        """Keep an uploaded photo (owner-only) and return it.

        Raises
        ------
        FileAccessError
            The directory cannot be written.
        """
        self.sweep()
        uid = secrets.token_urlsafe(16)
        up = Upload(uid, make_private_dir(self.root / uid), owner, Path(filename or "photo").name[:120])
        atomic_write(up.dir / "meta.json", json.dumps({"owner": owner, "filename": up.filename,
                                                        "created": time.time()}), mode=PRIVATE)
        atomic_write(up.photo, data, mode=PRIVATE)
        return up

    def get(self, upload_id: str, owner: str) -> Upload:
        """The upload ``upload_id`` of ``owner``.

        Raises
        ------
        RecordNotFoundError
            No such upload, it expired, or another user sent it.
        """
        missing = RecordNotFoundError(f"no photo {upload_id} waiting (it was recorded, or is over "
                                      f"{self.ttl_s / 3600:g} h old); take the photo again")
        if not _ID.match(upload_id or ""):
            raise missing
        d = self.root / upload_id
        try:
            meta = json.loads((d / "meta.json").read_text())
        except (OSError, ValueError):
            raise missing from None
        if meta.get("owner") != owner or time.time() - meta.get("created", 0) > self.ttl_s:
            raise missing
        return Upload(upload_id, d, owner, meta.get("filename", "photo"))

    def remove(self, upload: Upload) -> None:
        """Delete an upload (recorded or abandoned)."""
        shutil.rmtree(upload.dir, ignore_errors=True)

    def sweep(self) -> None:
        """Delete the uploads older than the time they may wait."""
        now = time.time()
        for d in self.root.iterdir():
            try:
                created = json.loads((d / "meta.json").read_text()).get("created", 0)
            except (OSError, ValueError):
                created = d.stat().st_mtime
            if now - created > self.ttl_s:
                shutil.rmtree(d, ignore_errors=True)
