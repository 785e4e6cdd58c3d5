"""The HTTP layer every connector shares: client, auth, paginators, retry and redaction as small strategies.

The transport is the test seam: every client is built on an ``httpx.BaseTransport`` the caller may
pass (``httpx.MockTransport(fake)`` in tests, the network otherwise).
"""
