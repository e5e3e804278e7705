"""Filters for the LOGGING setting."""

import logging
from http import HTTPStatus


class ClientErrorsOnOneLine(logging.Filter):
    """Django logs a request it refused for the client's fault (403 for a missing permission,
    400 for a host not in ALLOWED_HOSTS) with the exception's traceback, which tells an
    operator nothing the one line does not: keep the line, drop the traceback. Server errors
    keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status_code = getattr(record, "status_code", None)
        if status_code is not None and status_code < HTTPStatus.INTERNAL_SERVER_ERROR:
            record.exc_info = None
            record.exc_text = None
        return True
