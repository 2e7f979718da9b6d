"""Tandem's benchmarks, run with `make bench` or `python -m bench [name ...]`.

Each `bench/bench_<name>.py` module has `run() -> dict[str, float]` returning flat figures such
as `clients_list_p50_ms_sqlite`. A peer's figure for the same measurement is ours with the
peer's name appended (`clients_list_p50_ms_sqlite_django_admin`), so that the table and
`bench/results.json` put ours beside theirs. Benchmarks never run inside the test suite and
never touch the demo database.
"""
