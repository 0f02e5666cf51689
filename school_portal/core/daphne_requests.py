"""Daphne's HTTP requests without Twisted's own parsing of form bodies.

Daphne's request class is Twisted's, which by default parses every ``multipart/form-data`` and urlencoded POST
body into ``request.args`` with the ``email`` package, in memory, before Daphne hands the body to the
application, which never looks at ``request.args``. A 50 MB upload took a worker from 182 MB to 855 MB that way
(a 10 MB roster, accepted, about 120 MB) before Django's size check could say anything. Twisted lets a request
skip that parsing (``parsePOSTFormSubmission=False``); Daphne does not ask for it, so we do, in the process that
loads our ASGI application.
"""

from __future__ import annotations

from typing import Any


def skip_twisted_form_parsing() -> None:
    """Make Daphne's requests leave their body to the application (idempotent)."""
    from daphne.http_protocol import WebRequest

    if getattr(WebRequest, "_portal_skips_form_parsing", False):
        return
    original_init = WebRequest.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parsePOSTFormSubmission", False)
        original_init(self, *args, **kwargs)

    WebRequest.__init__ = __init__
    WebRequest._portal_skips_form_parsing = True
