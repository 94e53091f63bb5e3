"""Logging filters: a refused or missing page is one line in the log, never a traceback."""

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Drops the traceback Django attaches to a 4xx response's warning (Http404, PermissionDenied,
    a bad request): the browser asked for something wrong, nothing in the server broke. The one
    line ("Not Found: /x") stays; 5xx records keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
