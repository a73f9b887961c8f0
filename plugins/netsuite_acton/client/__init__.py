"""The internal HTTP client both hooks stand on: the pieces that know HTTP but neither API.

Retry policy (``retries``), the calls-per-second limiter (``rate_limit``), the adaptive in-flight cap
(``concurrency``), the bounded parallel reader (``parallel``), offset paging with one stop rule
(``paging``) and the one redactor (``redaction``).
Nothing here imports a hook, a source, an operator or ``sync``: the layer rule in docs/architecture.md.
"""
