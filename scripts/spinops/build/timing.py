"""Stage timing as a wrapper: `Timings.run(key, stage, ...)` calls a stage and adds its wall time to `key`.

The stages themselves know nothing about time; BuildResult.timings (and `nox -s bench`) read the keys
load, render, patch, wire, serialize, bundle, kustomize, contract and total.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Timings:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    def run(self, key: str, stage: Callable[..., T], *args, **kwargs) -> T:
        """stage(*args, **kwargs), its wall time added to `key` (also when it raises)."""
        t = time.perf_counter()
        try:
            return stage(*args, **kwargs)
        finally:
            self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - t

    def total(self) -> dict[str, float]:
        """The stage times plus `total`, the wall time since this object was made."""
        return {**self.seconds, "total": time.perf_counter() - self._start}
