"""The measuring pool: photos are measured in worker processes, so one phone never waits behind another's CPU.

Each worker is a fresh (spawned) Python process, by default with OpenCV and the BLAS libraries
on one thread (``threads``): two workers on two cores measure two photos at once. Workers ignore SIGINT and SIGTERM: on Ctrl-C or a
service stop the server finishes the requests it accepted (uvicorn's graceful shutdown), then
closes the pool, waiting for every job (:meth:`MeasurePool.close`). Nothing is lost: a check is
recorded in one transaction inside the job, or not at all.

The jobs (:func:`measure_job`, :func:`record_job`) call :mod:`legcheck.pipeline` and nothing
else: the web app measures and records exactly as the command line does.
"""

from __future__ import annotations

import asyncio
import os
import signal

def init_worker(threads: int = 1) -> None:
    """Set up a worker process: ``threads`` for OpenCV and BLAS (0: their defaults); the parent alone handles stop signals."""
    if threads > 0:  # before numpy or OpenCV load
        os.environ.update({k: str(threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if threads > 0:
        from .._cv import cv2

        cv2().setNumThreads(threads)


def warm() -> int:
    """Import what measuring needs (the first photo is then as fast as the rest); returns the worker's pid."""
    import legcheck.pipeline  # noqa: F401
    import legcheck.records.sqlite  # noqa: F401
    import legcheck.vision.annotate  # noqa: F401

    return os.getpid()


def _as_sent(exc, photo: str, shown: str):
    """``exc`` with the server's path of the photo replaced by the name it was sent as (as the CLI names it)."""
    from ..errors import LegcheckError

    if isinstance(exc, LegcheckError) and photo in exc.message:
        exc.message = exc.message.replace(photo, shown)
        exc.args = (exc.message, *exc.args[1:])
    return exc


def measure_job(photo: str, options, annotated: str, shown: str = "photo", units: str = "mm") -> dict:
    """Measure a photo and write its annotated copy.

    Parameters
    ----------
    photo : str
        The uploaded photo.
    options : legcheck.pipeline.MeasureOptions
    annotated : str
        Where the annotated JPEG goes (owner-only).
    shown : str
        The photo's name as sent: error messages name it instead of the server's path.
    units : {"mm", "in"}
        How ``summary`` words the figure (and, with "in", decimal inches beside the mm).

    Returns
    -------
    dict
        ``Measurement.to_json(units)`` with ``summary`` (the figure in words).

    Raises
    ------
    LegcheckError
        As :func:`legcheck.pipeline.measure_photo`.
    """
    from ..pipeline import annotate, measure_with

    try:
        result = measure_with(photo, options)
    except Exception as exc:
        raise _as_sent(exc, photo, shown) from None
    annotate(result, annotated, options.board)
    return _measurement_json(result.measurement, units)


def _measurement_json(m, units: str) -> dict:
    """What ``legcheck measure --json --units`` prints, with the CLI's one line for people as ``summary``."""
    return {**m.to_json(units), "summary": m.summary(units)}


def record_job(db, actor: str, photo: str, chart: str, phase: str, position: str, options,
               visit_id: int | None, shown: str = "photo", units: str = "mm") -> dict:
    """Measure, annotate and record a photo as a check (:func:`legcheck.pipeline.record_check`).

    Parameters
    ----------
    db : str, Path or None
        The store's location.
    actor : str
        The signed-in user: the check's author.
    photo, chart, phase, position, options, visit_id
        As :func:`legcheck.pipeline.record_check`.
    shown, units : str
        As :func:`measure_job`.

    Returns
    -------
    dict
        ``check_id``, ``visit_id``, ``photo_sha256``, ``phase``, ``position`` and ``measurement``
        (as :func:`measure_job` answers).
    """
    from ..pipeline import record_check
    from ..records import open_store

    try:
        with open_store(db, actor=actor) as store:
            rc = record_check(store, photo, chart, phase, position, options, visit_id)
    except Exception as exc:
        raise _as_sent(exc, photo, shown) from None
    return {"check_id": rc.check_id, "visit_id": rc.visit_id, "photo_sha256": rc.photo_sha256, "phase": rc.phase,
            "position": rc.position, "measurement": _measurement_json(rc.measurement, units)}


class MeasurePool:
    """A pool of measuring workers for an asyncio server.

    Parameters
    ----------
    workers : int
        Processes; 0 measures in one thread of this process (for tests that need no processes).
    threads : int
        OpenCV and BLAS threads in each process (0: their own default, one per core).
    """

    def __init__(self, workers: int = 2, threads: int = 1):
        from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
        from multiprocessing import get_context

        self.workers = workers
        if workers <= 0:
            self._ex = ThreadPoolExecutor(1, thread_name_prefix="legcheck-measure")
        else:
            # spawn: the server process runs threads; forking it could copy a held lock.
            self._ex = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=init_worker,
                                           initargs=(threads,))

    def start(self) -> None:
        """Start every worker now and load the measuring code in it (without waiting)."""
        for _ in range(max(self.workers, 1)):
            self._ex.submit(warm)

    async def run(self, fn, *args):
        """Run ``fn(*args)`` in a worker and wait for it without blocking the server.

        Raises
        ------
        LegcheckError
            Whatever the job raised (exceptions are pickled back with their fields).
        """
        return await asyncio.wrap_future(self._ex.submit(fn, *args))

    def close(self) -> None:
        """Wait for every job accepted, then stop the workers."""
        self._ex.shutdown(wait=True, cancel_futures=False)

