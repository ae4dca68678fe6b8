"""A throwaway PostgreSQL server for the tests and the benchmark (never for a clinic's records).

``initdb`` into a new temporary directory, listening only on a Unix socket inside it, started
with ``pg_ctl`` and stopped (and its directory removed) by :meth:`TempPostgres.stop`. The
binaries come from ``PATH`` or, as Debian installs them, ``/usr/lib/postgresql/<version>/bin``.
PostgreSQL refuses to run as root: under root the server runs as the unprivileged ``nobody``
(``runuser``), in a directory it owns, placed where that user can reach it. Authentication is
``trust`` on that private socket, so any role can connect by name: role privileges are still
enforced, which is what the role tests need.

References
----------
PostgreSQL 15 documentation: initdb, pg_ctl, 20.3 Connections and Authentication.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["TempPostgres", "find_bin"]

UNPRIVILEGED = "nobody"


def find_bin(name: str) -> str:
    """A PostgreSQL program: on PATH, else the newest ``/usr/lib/postgresql/*/bin/<name>``.

    Raises
    ------
    FileNotFoundError
        PostgreSQL's server programs are not installed (Debian: ``apt-get install postgresql``).
    """
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not candidates:
        raise FileNotFoundError(f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)")
    return candidates[-1]


def _reachable_base() -> str:
    """A temporary directory whose every ancestor another user can traverse (for the ``nobody`` server)."""
    for base in (tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        p = Path(base).resolve()
        if p.is_dir() and all(os.stat(a).st_mode & 0o001 for a in (p, *p.parents)):
            return str(p)
    raise FileNotFoundError("no temporary directory another user can reach (tried $TMPDIR, /var/tmp, /dev/shm)")


class TempPostgres:
    """A PostgreSQL server in a temporary directory; use :meth:`start` and :meth:`stop` (or ``with``).

    Parameters
    ----------
    durable : bool
        Keep PostgreSQL's fsync on (the benchmark); the tests turn it off (a killed client, not
        a killed server, is what they test).
    """

    def __init__(self, durable: bool = False):
        self.durable = durable
        self.root: Path | None = None
        self._as: list[str] = []

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, dbname: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        """``postgresql://user@/dbname?host=<socket dir>``: a legcheck location on this server."""
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@/{dbname}?host={self.root}"

    def _run(self, *args: str) -> None:
        res = subprocess.run([*self._as, *args], capture_output=True, text=True, cwd="/")
        if res.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {res.stderr.strip() or res.stdout.strip()}")

    def start(self) -> TempPostgres:
        """initdb and start; returns self."""
        root = tempfile.mkdtemp(prefix="legcheck-pg-", dir=_reachable_base() if os.geteuid() == 0 else None)
        self.root = Path(root)
        if os.geteuid() == 0:
            import pwd

            pw = pwd.getpwnam(UNPRIVILEGED)
            os.chown(root, pw.pw_uid, pw.pw_gid)
            self._as = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", UNPRIVILEGED, "--"]
        data = self.root / "data"
        self._run(find_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale",
                  "--no-sync")
        opts = [f"-c listen_addresses='' -c unix_socket_directories='{self.root}' -c max_connections=60",
                "-c shared_buffers=32MB -c max_parallel_workers_per_gather=0 -c dynamic_shared_memory_type=mmap"]
        if not self.durable:
            opts.append("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(find_bin("pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "-o", " ".join(opts), "start")
        return self

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        """Run one statement as the superuser, outside a transaction (CREATE DATABASE, CREATE ROLE)."""
        import psycopg

        with psycopg.connect(dbname=dbname, user="postgres", host=str(self.root), autocommit=True) as con:
            con.execute(sql)

    def create_database(self, name: str) -> str:
        """A new empty database; returns its superuser location."""
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its directory."""
        if self.root is None:
            return
        try:
            self._run(find_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        except RuntimeError:
            pass  # not running: nothing to stop
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
