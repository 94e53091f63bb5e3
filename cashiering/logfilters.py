"""Logging filters: a refused or missing page is one line, and no line holds a card number."""

import logging
from urllib.parse import unquote_plus


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


class MaskCardNumbers(logging.Filter):
    """Replaces any full card number (13-19 digits, Luhn-valid, spaced or dashed:
    ledger.cards.mask_card_numbers) in a record's message and arguments, its traceback text and
    its stack text, so that no log line ever holds one (PCI DSS 3.3/3.4: the full number is
    never stored). Attached to every handler and to the loggers Django writes request lines to
    (settings.LOGGING), so that "Not Found: /path/4111111111111111" is masked too.

    A record's message is merged with its arguments first (the arguments are then dropped), and
    the traceback is formatted once and kept masked in exc_text, which every formatter prints
    in place of formatting exc_info again."""

    def filter(self, record: logging.LogRecord) -> bool:
        from ledger.cards import contains_card_number, mask_card_numbers

        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler reports it; mask what is there
            message = str(record.msg)
        if contains_card_number(message):
            record.msg = mask_card_numbers(message)
            record.args = ()
        elif ("%" in message or "+" in message) and contains_card_number(unquote_plus(message)):
            # A URL's query as a request line carries it ("GET /x?q=4111+1111+1111+1111"):
            # the line is written decoded, its number masked.
            record.msg = mask_card_numbers(unquote_plus(message))
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and contains_card_number(record.exc_text):
            record.exc_text = mask_card_numbers(record.exc_text)
        if record.stack_info and contains_card_number(record.stack_info):
            record.stack_info = mask_card_numbers(record.stack_info)
        return True
