"""Counting rate-limited requests exactly, despite the sliding window's approximation."""

import time

MINUTE = 60


def clear_of_a_window_edge(window: int = MINUTE, margin: float = 10.0) -> None:
    """Wait, if need be, until the current window has margin seconds left.

    The sliding-window limits weigh the previous window's hits by the share of it still in
    view, rounding down: a count that straddles a window's edge lets one request more through.
    """
    left = window - time.time() % window
    if left < margin:
        time.sleep(left + 0.1)
