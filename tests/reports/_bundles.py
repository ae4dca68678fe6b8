"""Data bundles for the report tests, built from the store's public API.

The same format as ``pipeline.visit_bundle`` / ``pipeline.patient_bundle`` (the records
branch); once that lands these two functions become imports from ``legcheck.pipeline``.
"""

from __future__ import annotations

import datetime as dt


def _photo_path(store, check):
    """The stored annotated copy if there is one, else the stored photo, else None (absolute)."""
    path = store.photo_path(check["annotated_sha256"]) or store.photo_path(check["photo_sha256"])
    return path.resolve() if path is not None else None


def visit_bundle(store, visit_id: int) -> dict:
    s = store.visit_summary(visit_id)
    return {**s, "patient": store.patient(s["visit"]["chart"]),
            "checks": [dict(c, photo_path=_photo_path(store, c)) for c in s["checks"]]}


def patient_bundle(store, chart: str, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    lo, hi = (d.isoformat() if d else None for d in (date_from, date_to))
    visits = [v for v in store.visits(chart)
              if (lo is None or v["visit_date"] >= lo) and (hi is None or v["visit_date"] <= hi)]
    return {"patient": store.patient(chart), "visits": [visit_bundle(store, v["id"]) for v in visits],
            "period": (lo, hi)}
