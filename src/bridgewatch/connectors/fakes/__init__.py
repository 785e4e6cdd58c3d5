"""Fake vendor APIs: handler functions that serve generated pages, for tests and ``demo --via-api``.

Each fake is a callable ``httpx.Request -> httpx.Response`` behaving like the vendor in the ways a
connector depends on (auth, pagination, change filters, rate-limit headers, error bodies); put
one behind ``httpx.MockTransport`` for unit tests, or behind :func:`~bridgewatch.connectors.fakes.server.serve`
for a real HTTP server on 127.0.0.1. Faults (429s, 5xx, torn pages, expiring tokens) are scripted
per request with :meth:`FakeApi.fail`.
"""
