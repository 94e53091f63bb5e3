"""How templates write dates by default (FORMAT_MODULE_PATH): a bare {{ date }}, |date and |time.

Only the output formats are set here; the input formats stay Django's, so every form keeps
accepting what it accepted.
"""

from cashiering.dates import DATE, DATETIME, TIME

DATE_FORMAT = DATE
SHORT_DATE_FORMAT = DATE
DATETIME_FORMAT = DATETIME
SHORT_DATETIME_FORMAT = DATETIME
TIME_FORMAT = TIME
