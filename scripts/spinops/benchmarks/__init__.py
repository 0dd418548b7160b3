"""Benchmarks run by `python -m spinops.bench` (`nox -s bench`): each module exposes run(quick) -> list[dict]."""
