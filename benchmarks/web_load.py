"""Load on ``legcheck serve``: phones uploading 12 MP photos at once, against measuring in-process.

    python benchmarks/web_load.py [--photos 25] [--clients 4] [--workers 2] [--json out.json]
                                  [--results bench/RESULTS.md]

``make bench`` runs it after ``legcheck bench`` with ``--results bench/RESULTS.md``: its section
("## Web server load ...") replaces the one already there, or is added at the end.

Renders ``--photos`` seeded 12-megapixel heel-tab scenes (:func:`scenes.tab_scene`, with their
truth), then times, on the same photos:

- in-process: :func:`legcheck.measure_photo` one photo after another, and the same with
  ``--clients`` threads at once (the same concurrency as the server run, no HTTP);
- the upload alone: each photo POSTed to ``/api/measure`` with an option that is refused once
  the form is read (the HTTP transfer and multipart parsing, no measuring);
- through the server (``legcheck serve --workers N`` in a subprocess, on 127.0.0.1): one client
  uploading every photo in turn, then ``--clients`` clients each uploading every photo, each
  time from the first byte sent to the JSON result (measured and annotated).

Every server result must equal the in-process one (same photo, same seed: the same figure) and
its error against the truth is reported against its own 95 % bound. The check the issue sets:
through the server, the median time to a result stays within 1.5x the in-process median
(at the same concurrency) plus the median upload.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PASSWORD = "load test password"


def render(job) -> dict:
    """Render scene ``seed`` into ``directory``; its truth with the photo's path."""
    from legcheck.synth.render import write_scene
    from scenes import phone_exif, tab_scene

    seed, directory = job
    path = Path(directory) / f"tab_{seed}.jpg"
    if path.exists() and path.with_suffix(".json").exists():  # rendered before (--photos-dir)
        truth = json.loads(path.with_suffix(".json").read_text())
    else:
        scene = tab_scene(seed)
        truth = write_scene(scene, path, exif=phone_exif(scene))
    return {"path": str(path), "lld_mm": truth["lld_mm"], "seed": seed, "bytes": path.stat().st_size}


def q(values, p) -> float:
    """The p-th percentile (0-100) by linear interpolation."""
    v = sorted(values)
    k = (len(v) - 1) * p / 100
    lo = int(k)
    return v[lo] + (v[min(lo + 1, len(v) - 1)] - v[lo]) * (k - lo)


def stats(times: list[float], wall_s: float | None = None) -> dict:
    out = {"n": len(times), "median_s": statistics.median(times), "p95_s": q(times, 95)}
    if wall_s:
        out.update(wall_s=wall_s, photos_per_min=60 * len(times) / wall_s)
    return out


def in_process(photos: list[dict], clients: int) -> tuple[dict, dict, dict]:
    """measure_photo in this process: one after another, then ``clients`` threads at once."""
    from legcheck import measure_photo

    measure_photo(photos[0]["path"])  # imports and caches out of the timing
    results, seq = {}, []
    for p in photos:
        t = time.perf_counter()
        m = measure_photo(p["path"]).measurement
        seq.append(time.perf_counter() - t)
        results[p["path"]] = (m.lld_mm, m.uncertainty_mm)
    conc: list[float] = []
    lock = threading.Lock()

    def client():
        for p in photos:
            t = time.perf_counter()
            measure_photo(p["path"])
            with lock:
                conc.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return stats(seq, sum(seq)), stats(conc, time.perf_counter() - t0), results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp: Path, workers: int, threads: int = 1):
    from legcheck.records import open_store

    db = tmp / "db.sqlite3"
    with open_store(db, actor="bench", create=True) as st:
        st.add_user("load", "assistant", PASSWORD)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "legcheck", "serve", "--port", str(port), "--workers", str(workers),
                             "--worker-threads", str(threads)],
                            env={**os.environ, "LEGCHECK_DB": str(db)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(300):
        try:
            if httpx.get(base + "/signin", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("legcheck serve did not start")


def session(base: str):
    import httpx

    c = httpx.Client(base_url=base, timeout=300)
    csrf = c.post("/api/session", data={"name": "load", "password": PASSWORD}).json()["csrf_token"]
    c.headers["X-CSRF-Token"] = csrf
    return c


def upload(c, p: dict, data: dict | None = None):
    with open(p["path"], "rb") as f:
        body = f.read()
    t = time.perf_counter()
    r = c.post("/api/measure", files={"photo": (Path(p["path"]).name, body, "image/jpeg")}, data=data or {})
    return time.perf_counter() - t, r


def through_server(base: str, photos: list[dict], clients: int) -> tuple[dict, list]:
    """``clients`` clients each uploading every photo; (timing, [(photo, result json)])."""
    times, answers, lock = [], [], threading.Lock()

    def client(k: int):
        c = session(base)
        order = photos[k % len(photos):] + photos[:k % len(photos)]  # not all on the same photo at once
        for p in order:
            dt, r = upload(c, p)
            with lock:
                times.append(dt)
                answers.append((p, r.status_code, r.json()))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return stats(times, time.perf_counter() - t0), answers


def run(n_photos: int = 25, clients: int = 4, workers: int = 2, progress=print, photos_dir=None,
        threads: int = 1) -> dict:
    with tempfile.TemporaryDirectory(prefix="legcheck-load-") as tmp:
        tmp = Path(tmp)
        where = Path(photos_dir) if photos_dir else tmp
        where.mkdir(parents=True, exist_ok=True)
        progress(f"rendering {n_photos} 12 MP photos ...")
        with ProcessPoolExecutor(2) as ex:
            photos = list(ex.map(render, [(30_000 + i, str(where)) for i in range(n_photos)]))
        progress("measuring in-process ...")
        seq, conc, expected = in_process(photos, clients)
        progress("starting legcheck serve ...")
        proc, base = start_server(tmp, workers, threads)
        try:
            c = session(base)
            for p in photos[:workers]:  # every worker has measured once before the clock runs
                upload(c, p)
            up = [upload(c, p, {"heel_height_mm": "refused-before-measuring"})[0] for p in photos]
            progress("one client through the server ...")
            one, answers1 = through_server(base, photos, 1)
            progress(f"{clients} clients through the server ...")
            many, answers = through_server(base, photos, clients)
        finally:
            proc.terminate()
            proc.wait(120)
    checked = answers1 + answers
    bad = [(p["seed"], s) for p, s, j in checked if s != 200]
    differ = [p["seed"] for p, s, j in checked if s == 200 and abs(j["lld_mm"] - round(expected[p["path"]][0], 3)) > 1e-3]
    errs = {p["seed"]: (expected[p["path"]][0] - p["lld_mm"], expected[p["path"]][1]) for p in photos}
    upload_s = statistics.median(up)
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "photos": n_photos, "clients": clients, "workers": workers, "worker_threads": threads,
        "photo_mb_median": statistics.median(p["bytes"] for p in photos) / 2**20,
        "in_process_sequential": seq, "in_process_concurrent": conc, "upload_only": stats(up),
        "server_one_client": one, "server_concurrent": many,
        "answers": len(checked), "failed": bad, "differ_from_in_process": differ,
        "within_uncertainty": sum(abs(e) <= u for e, u in errs.values()),
        "abs_err_mm_median": statistics.median(abs(e) for e, _ in errs.values()),
        "abs_err_mm_max": max(abs(e) for e, _ in errs.values()),
        "limit_one_client_s": 1.5 * seq["median_s"] + upload_s,
        "limit_concurrent_s": 1.5 * conc["median_s"] + upload_s,
    }


def markdown(r: dict) -> str:
    """The section for bench/RESULTS.md."""
    def row(name, s):
        ppm = f"{s['photos_per_min']:.0f}" if "photos_per_min" in s else ""
        return f"| {name} | {s['n']} | {s['median_s']:.2f} | {s['p95_s']:.2f} | {ppm} |"

    ok1 = r["server_one_client"]["median_s"] <= r["limit_one_client_s"]
    ok4 = r["server_concurrent"]["median_s"] <= r["limit_concurrent_s"]
    return "\n".join([
        f"## Web server load ({r['date']}, {r['machine']})", "",
        f"{r['photos']} rendered 12 MP heel-tab photos (median {r['photo_mb_median']:.1f} MB), `legcheck serve "
        f"--workers {r['workers']} --worker-threads {r.get('worker_threads', 1)}` on 127.0.0.1, {r['clients']} clients uploading every photo through "
        "`POST /api/measure` (measured and annotated); time from the first byte sent to the JSON result.", "",
        "| run | photos | median s | p95 s | photos/min |", "|---|---|---|---|---|",
        row("in-process `measure_photo`, one after another", r["in_process_sequential"]),
        row(f"in-process `measure_photo`, {r['clients']} threads at once", r["in_process_concurrent"]),
        row("upload alone (refused once read)", r["upload_only"]),
        row("server, one client", r["server_one_client"]),
        row(f"server, {r['clients']} clients at once", r["server_concurrent"]), "",
        f"- Results: {r['answers'] - len(r['failed'])} of {r['answers']} answered 200; "
        f"{r['answers'] - len(r['failed']) - len(r['differ_from_in_process'])} equal to the in-process figure. "
        f"Against the truth: {r['within_uncertainty']} of {r['photos']} photos within their 95 % bound, "
        f"median |error| {r['abs_err_mm_median']:.2f} mm, max {r['abs_err_mm_max']:.2f} mm.",
        f"- One client: median {r['server_one_client']['median_s']:.2f} s against the limit 1.5 x "
        f"{r['in_process_sequential']['median_s']:.2f} + {r['upload_only']['median_s']:.2f} = "
        f"{r['limit_one_client_s']:.2f} s: {'holds' if ok1 else 'DOES NOT HOLD'}.",
        f"- {r['clients']} clients: median {r['server_concurrent']['median_s']:.2f} s against 1.5 x "
        f"{r['in_process_concurrent']['median_s']:.2f} (in-process at the same concurrency) + "
        f"{r['upload_only']['median_s']:.2f} = {r['limit_concurrent_s']:.2f} s: {'holds' if ok4 else 'DOES NOT HOLD'}. "
        f"Against one photo alone in-process ({r['limit_one_client_s']:.2f} s) it "
        f"{'holds' if r['server_concurrent']['median_s'] <= r['limit_one_client_s'] else 'does not'}: "
        f"{r['clients']} photos at once on {r['workers']} workers queue, each waiting for about "
        f"{r['clients'] / r['workers'] - 1:g} other.",
        ""])


def put_section(path: Path, section: str) -> None:
    """Write ``section`` (a "## " heading and its text) into the Markdown file ``path``: in place of
    the section with the same heading start, else at the end."""
    from legcheck.fileio import PUBLIC, atomic_write

    head = section.split("(", 1)[0]  # "## Web server load " without the date
    lines = path.read_text().splitlines(keepends=True) if path.exists() else []
    start = next((i for i, line in enumerate(lines) if line.startswith(head)), None)
    if start is None:
        text = "".join(lines).rstrip("\n") + ("\n\n" if lines else "") + section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        text = "".join(lines[:start]) + section + ("\n" + "".join(lines[end:]) if end < len(lines) else "")
    atomic_write(path, text.rstrip("\n") + "\n", mode=PUBLIC)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=int, default=25)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker-threads", type=int, default=1, help="OpenCV threads per worker (0: its default).")
    ap.add_argument("--json", dest="json_path", default=None)
    ap.add_argument("--results", dest="results_path", default=None,
                    help="Markdown file whose web-load section is replaced (or added): bench/RESULTS.md.")
    ap.add_argument("--photos-dir", default=None, help="Keep the renders here and reuse them next time.")
    args = ap.parse_args(argv)
    res = run(args.photos, args.clients, args.workers, progress=lambda m: print(m, file=sys.stderr),
              photos_dir=args.photos_dir, threads=args.worker_threads)
    if args.json_path:
        from legcheck.fileio import PUBLIC, atomic_write

        atomic_write(args.json_path, json.dumps(res, indent=1) + "\n", mode=PUBLIC)
    print(markdown(res))
    if args.results_path:
        put_section(Path(args.results_path), markdown(res))
    return 0 if not res["failed"] and not res["differ_from_in_process"] else 1


if __name__ == "__main__":
    sys.exit(main())
