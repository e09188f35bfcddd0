"""The one CPU timer the in-process benches share.

CPU time of this process (``time.process_time``), not wall time: on a shared machine wall time swings 2x,
while a ratio of CPU times measured in the same run holds.
"""
from __future__ import annotations

import statistics
import time


def median_cpu(fn, repeat: int) -> float:
    """Median CPU seconds per call of ``fn``, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        samples.append(time.process_time() - t)
    return statistics.median(samples)
