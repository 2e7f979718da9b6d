"""python -m sandbox.aps --clients N --seed S --out FILE [--edited-out FILE2]"""

import argparse
from pathlib import Path

from sandbox.aps import aps_exports, export_write


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.aps", description="Write a realistic APS client export (CSV)."
    )
    parser.add_argument("--clients", type=int, default=500, help="clients in the export")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same export")
    parser.add_argument("--out", type=Path, required=True, help="the export to write")
    parser.add_argument(
        "--edited-out",
        type=Path,
        help="also write a later export of the same practice: some clients edited, some "
        "added, some removed",
    )
    args = parser.parse_args(argv)
    if args.clients < 1:
        parser.error("--clients must be at least 1")
    exports = aps_exports(clients=args.clients, seed=args.seed)
    export_write(exports.first, args.out)
    print(f"Wrote {len(exports.first)} clients to {args.out}")
    if args.edited_out:
        export_write(exports.later, args.edited_out)
        print(
            f"Wrote {len(exports.later)} clients to {args.edited_out}: {len(exports.edited)} "
            f"edited, {len(exports.added)} added, {len(exports.removed)} removed"
        )


if __name__ == "__main__":
    main()
