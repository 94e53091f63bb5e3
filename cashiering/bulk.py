"""Helpers for the bulk paths (a bank statement's lines, a remittance batch's payments)."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a bulk path builds and writes its rows.

    A 100,000-line bank statement or a 10,000-item remittance batch makes hundreds of
    thousands of short-lived objects without cycles, and each pass of the collector walked
    them all again (a third of the time of either). Plain reference counting still frees
    them; the collector is back on afterwards, as it was, even when the block raises. The
    size of what runs inside is bounded by the upload limits of the file that feeds it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
