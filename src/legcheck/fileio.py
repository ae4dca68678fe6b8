"""Writing files safely: the one way legcheck writes any file.

Every file is written to a fresh temporary file in the target's own directory, created with
``O_CREAT | O_EXCL | O_NOFOLLOW`` (so a symlink planted there is never followed and a name
collision is never reused), flushed and fsynced, then renamed over the target and the
directory fsynced. A rename replaces a symlink at the target itself, never the file it points
to. A reader therefore sees the old file or the whole new one, never half of it, and a power
cut leaves one of the two.

Files that hold patient data (reports, exports, backups, annotated copies, stored photos) are
written with mode 0600 (:data:`PRIVATE`); the mode is set on the open descriptor, so the umask
cannot widen it. Directories are created owner-only only when legcheck creates them; an
existing directory's permissions are never changed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from .errors import FileAccessError, RecordConflictError

#: Mode of every file holding patient data.
PRIVATE = 0o600
#: Mode of files that hold no patient data (printable targets, camera profiles, benchmark output).
PUBLIC = 0o644


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_private_dir(directory) -> Path:
    """Create ``directory`` (and missing parents) owner-only (0700); leave an existing one as it is.

    Raises
    ------
    FileAccessError
        The directory cannot be created (permissions, read-only file system, a file in the way).
    """
    directory = Path(directory)
    missing = []
    d = directory
    while not d.exists() and d != d.parent:
        missing.append(d)
        d = d.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise FileAccessError(f"cannot create the directory {d} ({exc.strerror}); choose another location") from None
        os.chmod(d, 0o700)  # mkdir's mode is masked by the umask
    if not directory.is_dir():
        raise FileAccessError(f"{directory} is not a directory; choose another location")
    return directory


@contextlib.contextmanager
def atomic_writer(path, *, mode: int = PRIVATE, overwrite: bool = True):
    """Write a file atomically and durably through a binary file object (for data too big to hold).

    The same guarantees as :func:`atomic_write`: a temporary file created ``O_EXCL |
    O_NOFOLLOW`` in the target's directory with ``mode`` set on the descriptor, fsynced, then
    renamed (or, without ``overwrite``, linked) into place. If the ``with`` block raises,
    nothing is left behind.

    Parameters
    ----------
    path : str or Path
        Target file. Its directory must exist.
    mode : int
        Permission bits of the new file.
    overwrite : bool
        When False, an existing target is refused and left as it is.

    Yields
    ------
    io.BufferedWriter
        Write the content to it; do not close it.

    Raises
    ------
    RecordConflictError
        ``overwrite`` is False and the target exists (checked first and again at the link).
    FileAccessError
        The directory is missing or not writable, or the disk is full.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not overwrite and os.path.lexists(path):
        raise RecordConflictError(f"{path} already exists; give another file name (or --force)")
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, mode)
    except OSError as exc:
        raise _access_error(exc, path) from None
    try:
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb", closefd=False) as fh:
                yield fh
                fh.flush()
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path, follow_symlinks=False)
            except FileExistsError:
                raise RecordConflictError(f"{path} already exists; give another file name (or --force)") from None
            os.unlink(tmp)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _access_error(exc, path) from None
        raise
    _fsync_dir(directory)


def atomic_write(path, data: bytes | str, *, mode: int = PRIVATE, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically and durably.

    Parameters
    ----------
    path : str or Path
        Target file. Its directory must exist (use :func:`make_private_dir`).
    data : bytes or str
        Content; ``str`` is encoded as UTF-8.
    mode : int
        Permission bits of the new file (:data:`PRIVATE` for anything holding patient data).
    overwrite : bool
        When False, an existing target (file, or symlink even if dangling) is refused and left as
        it is; the no-clobber check and the rename are one atomic ``link``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    RecordConflictError
        ``overwrite`` is False and the target exists.
    FileAccessError
        The directory is missing or not writable, or the disk is full; nothing is left behind.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with atomic_writer(path, mode=mode, overwrite=overwrite) as fh:
        fh.write(payload)
    return Path(path)


def refuse_protected(path, protected) -> Path:
    """Refuse an output path that is, or lies inside, one of ``protected`` (a database, its photos).

    Both sides are compared resolved (symlinks followed, ``..`` removed), so a link to the
    database or a path that reaches the photo store by another route is refused as well.

    Parameters
    ----------
    path : str or Path
        Where an output would be written.
    protected : iterable of Path
        Files and directories no output may ever replace or enter (the database, its
        ``-wal``/``-shm``/``-journal`` files, the photo store).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    UsageError
        ``path`` is protected.
    """
    from .errors import UsageError

    target = Path(os.path.realpath(path))
    for p in protected:
        q = Path(os.path.realpath(p))
        if target == q or q in target.parents:
            raise UsageError(f"{path} is part of the records ({q.name}); write the output somewhere else")
    return Path(path)


def _access_error(exc: OSError, path: Path) -> FileAccessError:
    what = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the file system is read-only", errno.ENOENT: "its directory does not exist",
            errno.EACCES: "permission denied", errno.EPERM: "permission denied",
            errno.ENOTDIR: "a part of the path is not a directory", errno.EISDIR: "it is a directory"}
    reason = what.get(exc.errno, exc.strerror or exc.__class__.__name__)
    return FileAccessError(f"cannot write {path}: {reason}; choose another location or free space")
