"""The visit log: clinical vocabulary and rules, the store and the photo store.

Public API: :func:`legcheck.records.sqlite.open_store` and the store it returns.
"""
