"""python -m bench [--runs N] [--duration S] [--max-requests N] [--only PARTS]

Prints one Markdown table: each measure of ours beside its baseline from the same run and, for
the app, beside the usual stack; the ratios, and the targets they must meet (see
docs/performance.md)."""

import argparse
import platform
import sys
import tempfile
from pathlib import Path

from tests.support.services import postgres_database

from .app import prepare
from .measure import Row, table
from .startup import startup_rows
from .template_ops import copy_in_process, render_rows, template_snapshot, update_rows
from .throughput import throughput_rows

PARTS = ("render", "update", "startup", "throughput")


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[2])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measure (median)")
    parser.add_argument("--duration", type=float, default=5, help="seconds of each wrk load")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=1000,
        help="requests a worker serves before it is recycled, in every app alike (0: never)",
    )
    parser.add_argument("--only", default=",".join(PARTS), help="a comma-separated subset")
    options = parser.parse_args(argv)
    options.only = options.only.split(",")
    unknown = set(options.only) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    return options


def measured(options: argparse.Namespace, work: Path) -> tuple[list[Row], dict[str, int]]:
    """The rows of the parts asked for, and how many workers each app recycled."""
    rows, recycled = [], {}
    template = template_snapshot(work)
    if "render" in options.only:
        rows += render_rows(work, template, options.runs)
    if set(options.only) - {"render"}:
        project = copy_in_process(template, work)  # the default variant, for what follows
    if "update" in options.only:
        rows += update_rows(work, template, project, options.runs)
    if {"startup", "throughput"} & set(options.only):
        with postgres_database() as database:
            subjects = prepare(project, database.url)
            if "startup" in options.only:
                rows += startup_rows(subjects, options.runs)
            if "throughput" in options.only:
                loads, recycled = throughput_rows(
                    subjects, options.runs, options.duration, options.max_requests
                )
                rows += loads
    return rows, recycled


def main(argv: list[str]) -> int:
    options = arguments(argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        rows, recycled = measured(options, Path(folder))
    recycling = f"every {options.max_requests} requests" if options.max_requests else "never"
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{options.runs} runs, medians, workers recycled {recycling}\n"
    )
    print(table(rows))
    if recycled:
        counts = ", ".join(f"{name} {count}" for name, count in recycled.items())
        print(f"\nWorkers recycled during the run: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
