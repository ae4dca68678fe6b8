"""Data bundles for the report tests: the library's own builders (the reports never get a store)."""

from legcheck.records.bundles import patient_bundle, visit_bundle  # noqa: F401
