"""Timing, medians and the table: every comparison is a ratio of two things measured in
turns within one run, so that a busy machine slows both alike."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

TIMES = "\N{MULTIPLICATION SIGN}"


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def interleaved(runs: int, **actions: Callable[[], object]) -> dict[str, float]:
    """The median seconds of each action, run in turns (a, b, a, b, ...) runs times."""
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            timings[name].append(seconds(action))
    return {name: statistics.median(values) for name, values in timings.items()}


@dataclass(frozen=True)
class Target:
    """A ratio the measured value must stay under (or, with at_least, above)."""

    ratio: float
    at_least: bool = False

    def met(self, ratio: float) -> bool:
        return ratio >= self.ratio if self.at_least else ratio <= self.ratio

    def __str__(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.ratio:g}{TIMES}"


@dataclass(frozen=True)
class Row:
    """One measure of ours beside its baseline and, for the app, beside the usual stack, with
    the ratio each must keep."""

    measure: str
    ours: float
    baseline: float
    unit: str
    target: Target | None = None
    usual: float | None = None
    usual_target: Target | None = None

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline

    @property
    def usual_ratio(self) -> float | None:
        return None if self.usual is None else self.ours / self.usual

    @property
    def verdict(self) -> str:
        checks = [(self.target, self.ratio), (self.usual_target, self.usual_ratio)]
        met = [target.met(ratio) for target, ratio in checks if target is not None]
        if not met:
            return ""
        return "met" if all(met) else "missed"


HEADINGS = (
    "measure",
    "ours",
    "baseline",
    "usual",
    "ours/baseline",
    "target",
    "ours/usual",
    "target",
    "",
)


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms"
    if unit == "ms":
        return f"{value:.2f} ms"
    return f"{value:,.0f} {unit}"


def _ratio(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio:.2f}{TIMES}"


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table, as docs/performance.md shows it."""
    cells = [HEADINGS] + [
        (
            row.measure,
            _number(row.ours, row.unit),
            _number(row.baseline, row.unit),
            "" if row.usual is None else _number(row.usual, row.unit),
            _ratio(row.ratio),
            str(row.target or ""),
            _ratio(row.usual_ratio),
            str(row.usual_target or ""),
            row.verdict,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADINGS))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        for line in cells
    ]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)
