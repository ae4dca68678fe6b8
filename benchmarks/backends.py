"""The visit log on each backend: recording 1,000 checks from four processes at once, and writing a
100-visit patient report.

    python benchmarks/backends.py [--json FILE]

SQLite: a new file in a temporary directory. PostgreSQL: a throwaway local server
(:class:`legcheck.records.pgtemp.TempPostgres`, fsync on, Unix socket) started and stopped
here; Debian's postgresql package must be installed. Each writer process opens its own store,
waits for the common start, then records 250 checks one command at a time (each its own
write transaction, as ``legcheck check`` does; no photos: the database is what is timed). The
time is from the start to the last writer's last commit. The report is timed as the main
benchmark times it (:func:`benchmarks.timing.report_time`): building the data, the chart and
the HTML of a patient with 100 visits of four checks each, read from that backend.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.timing, from a checkout

WRITERS, PER_WRITER = 4, 250
RESULT = {"lld_mm": 1.5, "short_leg": "left", "uncertainty_mm": 0.3, "method": "tabs",
          "left_heel_mm": [0, 1.5, 90], "right_heel_mm": [200, 0, 90], "warnings": [], "image": {}}


def _writer(location: str, chart: str, start, out) -> None:
    from legcheck.records import open_store

    with open_store(location, actor=f"bench-{chart}") as st:
        st.patient(chart)  # connected and ready
        start.wait()
        t0 = time.time()
        for i in range(PER_WRITER):
            st.record_check(chart, "pre" if i % 2 else "post", "extended", dict(RESULT, lld_mm=float(i % 40)))
        out.put((t0, time.time()))


def record_time(location: str) -> float:
    """Seconds for four processes to record 250 checks each at the same time (all of them kept)."""
    from legcheck.records import open_store

    with open_store(location, create=True) as st:
        for k in range(WRITERS):
            st.add_patient(f"W{k}", f"Writer {k}")
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(location), f"W{k}", start, out)) for k in range(WRITERS)]
    for p in procs:
        p.start()
    time.sleep(3.0)  # every writer imported and connected
    start.set()
    spans = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    with open_store(location) as st:
        kept = len(st.checks())
        ok = st.check_integrity()["ok"]
    if kept != WRITERS * PER_WRITER or not ok:
        raise SystemExit(f"{location}: {kept} checks kept of {WRITERS * PER_WRITER}, database check ok={ok}")
    return max(e for _, e in spans) - min(s for s, _ in spans)


def run() -> dict:
    from benchmarks.timing import report_time
    from legcheck.records.pgtemp import TempPostgres

    res = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    with tempfile.TemporaryDirectory() as tmp:
        res["sqlite"] = {"record_1000_checks_4_processes_s": record_time(str(Path(tmp) / "w.sqlite3")),
                         "patient_report_100_visits_s": report_time(100)}
    with TempPostgres(durable=True) as pg:
        import psycopg

        with psycopg.connect(dbname="postgres", user="postgres", host=str(pg.root)) as con:
            res["postgresql_version"] = con.info.server_version
        res["postgresql"] = {"record_1000_checks_4_processes_s": record_time(pg.create_database("w")),
                             "patient_report_100_visits_s": report_time(100, pg.create_database("r"))}
    return res


def markdown(res: dict) -> str:
    """The lines for bench/RESULTS.md."""
    v = res["postgresql_version"]
    lines = [f"Visit log per backend ({res['date']}, {res['machine']}; PostgreSQL {v // 10000}.{v % 10000}, "
             "local server, Unix socket, fsync on):", "",
             "| backend | 1,000 checks from 4 processes at once | 100-visit patient report |", "|---|---|---|"]
    for name in ("sqlite", "postgresql"):
        r = res[name]
        lines.append(f"| {name} | {r['record_1000_checks_4_processes_s']:.1f} s "
                     f"({1000 / r['record_1000_checks_4_processes_s']:.0f} checks/s) | "
                     f"{r['patient_report_100_visits_s']:.2f} s |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    res = run()
    if "--json" in argv:
        Path(argv[argv.index("--json") + 1]).write_text(json.dumps(res, indent=1) + "\n")
    print(markdown(res))


if __name__ == "__main__":
    main(sys.argv[1:])
