"""The one rule for every file a command writes: outputs are never destructive (issue 12).

Every output of every command (reports with their PDF and CSV, exports, backups, annotated
copies, camera profiles and their coverage pictures, printable targets, benchmark results) is
checked by :func:`check_output` before any long work starts, and written through
:class:`OutputFiles` (or :func:`write_output` for one file):

1. An empty path is refused (UsageError, exit 2).
2. **The records, always** (UsageError, exit 2, ``overwrite`` or not): the paths a store names
   (``protected``: its database, ``-wal``/``-shm``/``-journal`` files, photo store) and, with no
   store at hand, what is recognisably records: an SQLite database, write-ahead log or rollback
   journal (by their headers), the ``-wal``/``-shm``/``-journal`` name of an SQLite file, and
   anything inside a ``<stem>-photos/`` folder beside an SQLite file named ``<stem>`` or
   ``<stem>.<suffix>`` (where a legcheck database keeps its photos). Compared resolved:
   symlinks followed, ``..`` removed.
3. **The command's own inputs, always** (UsageError): the same path, or the same file under
   another name (a hard link).
4. **Anything but a regular file, always** (UsageError): a folder, a device (``/dev/null``), a
   FIFO, a socket, or a symlink to one. Renaming a file over one of them (root can replace
   ``/dev/null``) is never what was meant.
5. **A missing folder is refused, never made** (FileAccessError, exit 14, naming the folder and
   "create the folder first"): a mistyped folder name would otherwise put a patient's file where
   nobody looks. Only a folder the command is told to fill (``targets --out DIR``, ``new_folder``)
   is made: owner-only (0700, whatever the umask), when the files are written, and removed again
   if the command fails. Folders that exist keep their mode.
6. **An existing file** (or a symlink, even a dangling one) **only with** ``overwrite``
   (:class:`~legcheck.errors.OutputExistsError`, exit 9; the command line adds ``--force``).
7. The folder must take a new file: a probe file is created there and removed, so a read-only
   or inaccessible place is named as not writable (exit 14, the output's path and its folder)
   before the work, not after it.
8. **A name that says another type than the one written** (UsageError), when the caller says
   what it writes (``kind``, a key of :data:`SUFFIXES`): JPEG data under ``x.txt``, a PDF under
   ``r.html`` would open as the wrong thing, or not at all.

Writing (:class:`OutputFiles`): each file is staged as a temporary file beside its target
(:func:`legcheck.fileio.temp_beside`: ``O_EXCL | O_NOFOLLOW``, mode set on the descriptor,
fsynced). :meth:`OutputFiles.commit` checks every target again, then puts each in place: a new
file by a hard link (which never replaces a file that appeared meanwhile), a replaced one by a
rename after the old file is kept aside. If any step fails, every file already put in place is
taken back (the old one restored, a new one removed) and every temporary file removed: a
command leaves all of its files or none.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from .dbfiles import records_reason
from .errors import FileAccessError, OutputExistsError, UsageError
from .fileio import PRIVATE, access_error, fsync_dir, make_private_dir, synced_file, temp_beside

__all__ = ["OutputFiles", "SUFFIXES", "check_output", "check_suffix", "write_output"]

#: What each kind of output is written as: the file-name suffixes that say so, and its name for people.
SUFFIXES = {"image": ((".jpg", ".jpeg", ".png"), "a JPEG or PNG image"), "html": ((".html", ".htm"), "an HTML page"),
            "pdf": ((".pdf",), "a PDF"), "csv": ((".csv",), "CSV"), "json": ((".json",), "JSON"),
            "markdown": ((".md",), "Markdown")}

#: Errors of a hard link on a file system without them (FAT, some network shares): rename instead.
NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK, errno.EXDEV}


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
             (stat.S_ISFIFO, "a pipe"), (stat.S_ISSOCK, "a socket"))
    return next((name for is_kind, name in kinds if is_kind(mode)), "not a file")


def _same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_suffix(path, kind: str, name: str = "") -> Path:
    """Refuse an output whose file name says another type than the one written (rule 8); return it as a Path.

    Parameters
    ----------
    path : str or Path
    kind : str
        A key of :data:`SUFFIXES`: what is written there.
    name : str
        What the path was given as (a command-line option), put before it in the message.

    Raises
    ------
    UsageError
        The suffix (any case) is not one of the kind's.
    """
    suffixes, what = SUFFIXES[kind]
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        given = f"{name} {path}" if name else str(path)
        endings = ", ".join(suffixes[:-1]) + " or " + suffixes[-1] if len(suffixes) > 1 else suffixes[0]
        raise UsageError(f"{given}: this file is written as {what}; give a file name ending in {endings}")
    return path


def check_output(path, *, overwrite: bool = False, protected=(), inputs=(), probe: bool = True,
                 kind: str | None = None, new_folder: bool = False) -> Path:
    """Refuse an output path the rule forbids (see the module docstring); return it as a Path.

    Parameters
    ----------
    path : str or Path
        Where a command would write a file.
    overwrite : bool
        An existing file may be replaced (``--force``).
    protected : iterable of Path
        A store's ``protected_paths()``: files and folders no output may replace or enter.
    inputs : iterable of str or Path
        The command's own input files (None entries are skipped).
    probe : bool
        Create and remove a file in the folder to prove it takes one.
    kind : str, optional
        What is written (a key of :data:`SUFFIXES`): the name must say so (:func:`check_suffix`).
    new_folder : bool
        The path's own folder is one the command is told to fill (``targets --out DIR``) and may
        be missing (:class:`OutputFiles` makes it); the folder above it must exist.

    Returns
    -------
    Path

    Raises
    ------
    UsageError
        Empty; part of the records; an input; not a regular file (always, whatever ``overwrite``);
        a suffix not of ``kind``.
    FileAccessError
        Its folder does not exist (or a part of the path is not a folder), or cannot take a new file.
    OutputExistsError
        It exists and ``overwrite`` is False.
    """
    if path is None or str(path) == "":
        raise UsageError("the output file name is empty; give a file name")
    path = Path(path)
    real = Path(os.path.realpath(path))
    for p in protected:
        q = Path(os.path.realpath(p))
        if real == q or q in real.parents:
            raise UsageError(f"{path} is part of the records ({q.name}); write the output somewhere else")
    reason = records_reason(real)
    if reason:
        raise UsageError(f"{path} is part of the records ({reason}); write the output somewhere else")
    for i in inputs:
        if i is not None and str(i) != "" and (Path(os.path.realpath(i)) == real or _same_file(i, real)):
            raise UsageError(f"{path} is an input of this command; write the output to another file")
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:
        raise access_error(exc, path) from None
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"{path} is not a regular file ({_kind(mode)}); give the name of a file to write")
    folder = path.parent if str(path.parent) else Path(".")
    if new_folder and not os.path.lexists(folder):  # the folder the command fills: made when written
        folder = folder.parent if str(folder.parent) else Path(".")
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:  # to name a file in the way
        existing = existing.parent
    if not os.path.isdir(existing):
        raise FileAccessError(f"cannot write {path}: {existing} is not a folder; choose another location")
    if existing != folder:  # never made on the way: a mistyped folder would hide the patient's file
        raise FileAccessError(f"cannot write {path}: the folder {folder} does not exist; create the folder "
                              "first or choose another location")
    if not overwrite and os.path.lexists(path):
        raise OutputExistsError(f"{path} already exists; give another file name")
    if probe:
        fd, tmp = temp_beside(folder / path.name)  # names the folder when it takes no new file
        os.close(fd)
        os.unlink(tmp)
    if kind is not None:
        check_suffix(path, kind)
    return path


def _aside(target: Path) -> Path:
    """Keep the file at ``target`` under a hidden name beside it (a hard link, else a rename)."""
    aside = target.with_name(f".{target.name}.{secrets.token_hex(6)}.old")
    try:
        os.link(target, aside, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in NO_LINKS:
            raise
        os.rename(target, aside)
    return aside


def _place(target: Path, tmp: Path, overwrite: bool) -> Path | None:
    """Put ``tmp`` at ``target``; return where the replaced file was kept (None: ``target`` is new)."""
    if overwrite and os.path.lexists(target):
        aside = _aside(target)
        try:
            os.replace(tmp, target)
        except BaseException:
            if not os.path.lexists(target):
                os.replace(aside, target)
            else:
                os.unlink(aside)
            raise
        return aside
    try:
        os.link(tmp, target, follow_symlinks=False)  # never replaces a file that appeared meanwhile
    except FileExistsError:
        raise OutputExistsError(f"{target} already exists; give another file name") from None
    except OSError as exc:
        if exc.errno not in NO_LINKS:
            raise
        if os.path.lexists(target):
            raise OutputExistsError(f"{target} already exists; give another file name") from None
        os.rename(tmp, target)
        return None
    os.unlink(tmp)
    return None


class OutputFiles:
    """The files one command writes, under the one rule, put in place all together or not at all.

    Parameters
    ----------
    overwrite : bool
        Existing files may be replaced (``--force``); :meth:`claim` may say otherwise per file.
    protected : iterable of Path
        A store's ``protected_paths()``.
    inputs : iterable of str or Path
        The command's input files.

    Examples
    --------
    Check every path before the work, then stage and commit::

        files = OutputFiles(overwrite=force, protected=store.protected_paths())
        files.claim(html_path); files.claim(csv_path)    # refused here, before any work
        ...                                              # the long work
        with files:                                      # commits at the end, or removes all
            files.write(html_path, html_text)
            files.write(csv_path, csv_text)
    """

    def __init__(self, *, overwrite: bool = False, protected=(), inputs=()):
        self.overwrite, self.protected = overwrite, [Path(p) for p in protected]
        self.inputs = [i for i in inputs if i is not None]
        self._claims: dict[str, tuple[Path, bool, bool]] = {}
        self._staged: list[tuple[Path, Path, bool]] = []
        self._dirs: list[Path] = []
        self.written: list[Path] = []

    def claim(self, path, *, overwrite: bool | None = None, kind: str | None = None, new_folder: bool = False) -> Path:
        """Check ``path`` now (:func:`check_output`, with ``kind`` and ``new_folder``) and keep it for this set; two outputs at one place are refused.

        Raises
        ------
        UsageError, FileAccessError, OutputExistsError
            As :func:`check_output`; UsageError also when another output of the set is the same file.
        """
        ow = self.overwrite if overwrite is None else overwrite
        p = check_output(path, overwrite=ow, protected=self.protected, inputs=self.inputs, kind=kind,
                         new_folder=new_folder)
        key = os.path.realpath(p)
        if key in self._claims and self._claims[key][0] != p:
            raise UsageError(f"two outputs would both be {p}; give each its own file name")
        self._claims[key] = (p, ow, new_folder)
        return p

    @contextlib.contextmanager
    def writer(self, path, mode: int = PRIVATE):
        """Stage one file through a binary file object (for data too big to hold); see :meth:`write`."""
        p = Path(path)
        key = os.path.realpath(p)
        _, ow, new_folder = self._claims.get(key, (p, self.overwrite, False))
        if any(os.path.realpath(t) == key for t, _, _ in self._staged):
            raise UsageError(f"two outputs would both be {p}; give each its own file name")
        p = self.claim(p, overwrite=ow, new_folder=new_folder)
        if new_folder:  # owner-only; removed again by discard()
            make_private_dir(p.parent, made=self._dirs)
        fd, tmp = temp_beside(p, mode)
        self._staged.append((p, tmp, ow))
        try:
            with synced_file(fd) as fh:
                yield fh
        except BaseException as exc:
            self.discard()
            if isinstance(exc, OSError):
                raise access_error(exc, p) from None
            raise

    def write(self, path, data: bytes | str, mode: int = PRIVATE) -> Path:
        """Stage ``data`` (str: UTF-8) for ``path`` as a temporary file beside it; nothing is in place before :meth:`commit`.

        Raises
        ------
        UsageError, FileAccessError, OutputExistsError
            As :meth:`claim`; FileAccessError also when the temporary file cannot be written
            (then everything staged is removed).
        """
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        with self.writer(path, mode) as fh:
            fh.write(payload)
        return Path(path)

    def commit(self) -> list[Path]:
        """Check every staged target again and put them all in place; on any failure, none.

        Returns
        -------
        list of Path
            The files written, in the order staged.

        Raises
        ------
        UsageError, OutputExistsError, FileAccessError
            A target became forbidden or taken meanwhile, or cannot be written; every file
            already put in place is taken back and every temporary file removed.
        """
        placed: list[tuple[Path, Path | None]] = []
        target = None
        try:
            for target, tmp, ow in self._staged:
                check_output(target, overwrite=ow, protected=self.protected, inputs=self.inputs, probe=False)
                placed.append((target, _place(target, tmp, ow)))
        except BaseException as exc:
            for t, aside in reversed(placed):
                with contextlib.suppress(OSError):
                    os.replace(aside, t) if aside else os.unlink(t)
            self.discard()
            if isinstance(exc, OSError):
                raise access_error(exc, target) from None
            raise
        for _, aside in placed:
            if aside:
                with contextlib.suppress(OSError):
                    os.unlink(aside)
        for folder in {t.parent if str(t.parent) else Path(".") for t, _ in placed}:
            fsync_dir(folder)
        self.written = [t for t, _ in placed]
        self._staged, self._dirs = [], []
        return self.written

    def discard(self) -> None:
        """Remove every staged temporary file and every folder this set made (if empty)."""
        for _, tmp, _ in self._staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._staged = []
        for d in reversed(self._dirs):
            with contextlib.suppress(OSError):
                d.rmdir()
        self._dirs = []

    def __enter__(self) -> "OutputFiles":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def write_output(path, data: bytes | str, *, mode: int = PRIVATE, overwrite: bool = False, protected=(),
                 inputs=()) -> Path:
    """Write one output file under the rule (:func:`check_output`), atomically.

    Parameters
    ----------
    path : str or Path
    data : bytes or str
        str is encoded as UTF-8.
    mode : int
        :data:`legcheck.fileio.PRIVATE` (patient data) or :data:`legcheck.fileio.PUBLIC`.
    overwrite, protected, inputs
        As :func:`check_output`.

    Returns
    -------
    Path

    Raises
    ------
    UsageError, FileAccessError, OutputExistsError
        As :func:`check_output`, or the file cannot be written (nothing is left).
    """
    with OutputFiles(overwrite=overwrite, protected=protected, inputs=inputs) as files:
        files.write(path, data, mode)
    return Path(path)
