"""What every benchmark shares: the machine it ran on, one result line, the JSON hand-off and plots.

Each bench prints its baseline, its figure and the ratio in the same words (`report`), and with
`--json PATH` writes the same numbers for `run_all.py` to collect. Plots are PNGs rendered with
matplotlib when it is installed (the optional `bench` extra); without it a bench still runs and says
that it drew nothing, because the numbers matter more than the picture.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IMG_DIR = ROOT / "docs" / "img"
BIN = Path(sys.executable).parent / "amazon-mws"
if str(ROOT / "lib") not in sys.path:  # a checkout without `pip install -e .` still runs the benches
    sys.path.insert(0, str(ROOT / "lib"))


@dataclass
class Result:
    """One comparison: `figure` against `baseline` (both in `unit`), `ratio`, and the target it is held to."""

    bench: str
    baseline_label: str
    baseline: float
    figure_label: str
    figure: float
    unit: str
    ratio: float
    target: str
    met: bool
    details: dict[str, Any] = field(default_factory=dict)
    plots: list[str] = field(default_factory=list)


def machine() -> dict[str, Any]:
    """Enough to tell two runs' machines apart: CPU, cores, memory, OS, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        memory_gb = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        memory_gb = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def report(result: Result) -> None:
    """Print the three numbers every bench owes, then its details."""
    print(f"[{result.bench}]")
    print(f"  baseline  {result.baseline_label}: {result.baseline:,.3f} {result.unit}")
    print(f"  figure    {result.figure_label}: {result.figure:,.3f} {result.unit}")
    print(f"  ratio     {result.ratio:.3f}   target {result.target}: {'met' if result.met else 'NOT met'}")
    for key, value in result.details.items():
        print(f"  {key}: {value}")
    for plot in result.plots:
        print(f"  plot: {plot}")
    sys.stdout.flush()


def bench_parser(doc: str, quick: str) -> argparse.ArgumentParser:
    """The options every bench run by run_all.py takes: `--quick` (what it shrinks: `quick`) and `--json`."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--json", help="write the results here (for run_all.py)")
    return parser


def finish(results: list[Result], json_path: str | None) -> int:
    """Print every result, hand them to run_all.py when asked (`--json`); the bench's exit status."""
    for result in results:
        report(result)
    write_json(json_path, results)
    return 0


def write_json(path: str | None, results: list[Result]) -> None:
    if path:
        Path(path).write_text(json.dumps([asdict(r) for r in results], indent=2, default=str))


def pyplot():
    """matplotlib's pyplot on the file-only backend, or None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib not installed: no plot; `pip install -e .[bench]` adds it)")
        return None
    return plt


def save(fig: Any, name: str) -> str:
    """Save a figure as docs/img/<name>.png and return the path relative to the checkout."""
    IMG_DIR.mkdir(parents=True, exist_ok=True)
    path = IMG_DIR / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return str(path.relative_to(ROOT))


def start_sandbox(orders: int, seed: int = 7) -> tuple[subprocess.Popen, dict[str, str], dict[str, str], float]:
    """`amazon-mws sandbox --no-throttle` in its own process, so its CPU is not the client's: (process, the MWS
    config of its first stdout line, the SP-API config of its second, seconds to seed and serve)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN), "sandbox", "--orders", str(orders), "--no-throttle", "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines = [proc.stdout.readline() if proc.stdout else "" for _ in range(2)]
    if not all(lines):
        proc.kill()
        raise SystemExit("the sandbox did not start")
    return proc, json.loads(lines[0]), json.loads(lines[1]), time.perf_counter() - started


def count_orders(path: Path) -> int:
    """Orders in a run's output, counted by streaming the file (an "all" run's one line is large)."""
    needle = b'"AmazonOrderId":'  # with or without the space after the colon (ours is compact)
    count, tail = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            data = tail + chunk
            count += data.count(needle)
            tail = data[-(len(needle) - 1):]
    return count
