"""Runs the benchmarks, prints ours beside the peers, and merges bench/results.json."""

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"
MODULE_PREFIX = "bench_"
OURS = "tandem"


def available() -> list[str]:
    return sorted(
        module.name.removeprefix(MODULE_PREFIX)
        for module in pkgutil.iter_modules([str(BENCH_DIR)])
        if module.name.startswith(MODULE_PREFIX)
    )


def split_peer(key: str, figures: dict[str, float]) -> tuple[str, str]:
    """(figure, peer) of `key`: a peer's figure is one of ours with `_<peer>` appended."""
    position = len(key)
    while (position := key.rfind("_", 0, position)) > 0:
        if key[:position] in figures:
            return key[:position], key[position + 1 :]
    return key, OURS


def table(figures: dict[str, float]) -> str:
    """One row per measurement, with our figure first and each peer's in its own column."""
    rows: dict[str, dict[str, float]] = {}
    for key, value in figures.items():
        figure, peer = split_peer(key, figures)
        rows.setdefault(figure, {})[peer] = value
    peers = sorted({peer for row in rows.values() for peer in row} - {OURS})
    columns = [OURS, *peers]
    width = max(len(figure) for figure in rows)
    lines = [f"{'figure':<{width}}" + "".join(f"{column:>16}" for column in columns)]
    for figure in sorted(rows):
        cells = (rows[figure].get(column) for column in columns)
        lines.append(
            f"{figure:<{width}}"
            + "".join(f"{'-' if cell is None else f'{cell:,.2f}':>16}" for cell in cells)
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    names = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "benchmarks", nargs="*", metavar="name", help=f"default: all of {', '.join(names)}"
    )
    chosen = parser.parse_args(argv).benchmarks or names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)} (there are: {', '.join(names)})")

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in chosen:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        figures = importlib.import_module(f"bench.{MODULE_PREFIX}{name}").run()
        print(f"{table(figures)}\n({name} took {time.monotonic() - started:.0f} s)\n", flush=True)
        results.update(figures)
        # Written after each benchmark, so a later failure keeps the figures already measured.
        RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n")
    print(f"Wrote {RESULTS.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
