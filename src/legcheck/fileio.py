"""Writing files safely: the one way legcheck writes any file.

Every file is written to a fresh temporary file in the target's own directory, created with
``O_CREAT | O_EXCL | O_NOFOLLOW`` (so a symlink planted there is never followed and a name
collision is never reused), flushed and fsynced, then renamed over the target and the
directory fsynced. A rename replaces a symlink at the target itself, never the file it points
to. A reader therefore sees the old file or the whole new one, never half of it, and a power
cut leaves one of the two.

A command's output files go through :mod:`legcheck.outputs`: the one rule of what may be
written at all (never the records, an input or a device; an existing file only when asked),
staged here and put in place all together or not at all.

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


def fsync_dir(directory: Path) -> None:
    """Make a rename or link in ``directory`` durable (where the file system can)."""
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_private_dir(directory, made: list | None = None) -> Path:
    """Create ``directory`` (and missing parents) owner-only (0700); leave an existing one as it is.

    Parameters
    ----------
    directory : str or Path
    made : list, optional
        Each folder this call creates is appended, parents first (for a caller that removes
        them again when its work fails).

    Raises
    ------
    FileAccessError
        The directory cannot be created (permissions, read-only file system, a file in the way),
        or a part of the path is not a directory.
    """
    directory = Path(directory) if str(directory) else Path(".")
    missing, d = [], directory
    while not os.path.lexists(d) and d != d.parent:  # lexists: a dangling link is in the way, not missing
        missing.append(d)
        d = d.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise FileAccessError(f"cannot create the folder {d} ({exc.strerror}); choose another location") from None
        if made is not None:
            made.append(d)
        os.chmod(d, 0o700)  # mkdir's mode is masked by the umask
    if not directory.is_dir():
        raise FileAccessError(f"{directory} is not a folder; choose another location")
    return directory


def temp_beside(path, mode: int = PRIVATE) -> tuple[int, Path]:
    """Create a new, empty temporary file in ``path``'s directory, for ``path``'s content.

    The name is ``.<name>.<random>.tmp``; it is created ``O_CREAT | O_EXCL | O_NOFOLLOW`` (a
    symlink planted there is never followed, a name collision never reused) with ``mode`` set
    on the descriptor (the umask cannot widen it).

    Parameters
    ----------
    path : str or Path
        The file the temporary file will become.
    mode : int
        Its permission bits.

    Returns
    -------
    (int, Path)
        An open descriptor (the caller closes it) and the temporary file's path.

    Raises
    ------
    FileAccessError
        The directory is missing or cannot take a new file (named as ``path``).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, mode)
    except OSError as exc:
        raise access_error(exc, path) from None
    try:
        os.fchmod(fd, mode)
    except OSError as exc:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise access_error(exc, path) from None
    return fd, tmp


@contextlib.contextmanager
def atomic_writer(path, *, mode: int = PRIVATE, overwrite: bool = True):
    """Write a file atomically and durably through a binary file object (for data too big to hold).

    The same guarantees as :func:`atomic_write`: a temporary file (:func:`temp_beside`) fsynced,
    then renamed (or, without ``overwrite``, linked) into place. If the ``with`` block raises,
    nothing is left behind. A command's output files go through :mod:`legcheck.outputs`
    instead, which adds the rule of what may be written at all.

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
        raise RecordConflictError(f"{path} already exists; give another file name")
    fd, tmp = temp_beside(path, mode)
    try:
        with synced_file(fd) as fh:
            yield fh
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path, follow_symlinks=False)
            except FileExistsError:
                raise RecordConflictError(f"{path} already exists; give another file name") from None
            os.unlink(tmp)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise access_error(exc, path) from None
        raise
    fsync_dir(directory)


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


@contextlib.contextmanager
def synced_file(fd: int):
    """A binary file object over the open descriptor ``fd``: flushed and fsynced when the block
    ends without an error, and ``fd`` closed either way (the one way a staged file is written)."""
    try:
        with os.fdopen(fd, "wb", closefd=False) as fh:
            yield fh
            fh.flush()
        os.fsync(fd)
    finally:
        os.close(fd)


def access_error(exc: OSError, path, *, stream: bool = False) -> FileAccessError:
    """The :class:`FileAccessError` (exit 14) of an ``OSError`` met writing ``path``: the path, the cause in words, the fix.

    Parameters
    ----------
    exc : OSError
    path : str or Path
        The file being written (or, with ``stream``, the name of a standard stream).
    stream : bool
        ``path`` names a standard stream, not a file in a folder.

    Notes
    -----
    Every file is written by creating a new one in its folder, so a refusal to create it is the
    folder's: the message names the folder. A folder that exists but takes no new file says so
    (``/proc`` answers "no such file", which once read "its directory does not exist" of a folder
    that plainly does).
    """
    full = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EFBIG: "the file size limit is reached"}
    refused = {errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied", errno.ENOENT: "it takes no new files"}
    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    if stream:
        reason, fix = full.get(exc.errno, exc.strerror or exc.__class__.__name__), "free space or redirect it"
    elif exc.errno in full:
        reason, fix = full[exc.errno], "free space or choose another location"
    elif exc.errno in refused and os.path.isdir(folder):
        reason, fix = f"the folder {folder} is not writable ({refused[exc.errno]})", "choose another location"
    elif exc.errno == errno.ENOENT:
        reason, fix = f"the folder {folder} does not exist", "create the folder first or choose another location"
    else:
        reason = {errno.ENOTDIR: "a part of the path is not a folder", errno.EISDIR: "it is a folder"}.get(
            exc.errno, exc.strerror or exc.__class__.__name__)
        fix = "choose another location"
    return FileAccessError(f"cannot write {path}: {reason}; {fix}")
