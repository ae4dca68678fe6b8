"""``legcheck serve``: the phone page that takes the photo, shows the result and records it.

A thin adapter like the command line: it parses requests, calls :mod:`legcheck.pipeline`
(measuring and recording, in a pool of worker processes), the
:class:`~legcheck.records.protocol.Store` (opened as the signed-in user) and
:mod:`legcheck.reports`, and presents the answers as pages and JSON. Nothing here measures,
chains stages or touches the database itself.

Modules: :mod:`.app` (:func:`~legcheck.web.app.create_app`, error mapping), :mod:`.config`
(:class:`~legcheck.web.config.WebConfig`, the data directory and its secret key),
:mod:`.sessions` (signed cookies, CSRF, the sign-in throttle), :mod:`.security` (headers, body
limit, access log), :mod:`.state` (shared state, the auth dependencies, measuring options),
:mod:`.workers` (the measuring pool), :mod:`.uploads` (photos measured, not yet recorded),
:mod:`.api` and :mod:`.api_reports` (``/api/``), :mod:`.pages` (the phone's pages),
:mod:`.docs` (``/api/docs``), :mod:`.tls` (the self-signed certificate). Decisions:
``docs/web.md``.
"""
