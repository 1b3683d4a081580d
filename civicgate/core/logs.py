"""Logging filters named in settings.LOGGING."""

import logging


class ExpectedConflicts(logging.Filter):
    """Leave out Django's warning line for a 409 answer.

    A 409 is an answer, not a fault: the place a citizen wanted was taken a moment before (when
    the last place of a slot goes, hundreds are told so at once). Writing a warning line for each
    costs more than answering; the load balancer's access log still has every request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 409
