"""Run every benchmark, each printing its baseline, its figure and the ratio, then a summary table.

    python bench/run_all.py            # the full figures (about 10 minutes: 100,000 orders, long walks)
    python bench/run_all.py --quick    # the same benches, smaller and faster (under 3 minutes)
    python bench/run_all.py --only memory feeds --markdown docs/benchmarks-results.md

Each bench runs in its own process (the time scale and the quota limiter are per process, and the memory
bench measures processes anyway) and hands its figures back as JSON (`--json`).
`bench/workers.py` (Celery at scale) runs when present, with its own output. `--markdown PATH` writes the
summary table with the machine and the date, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from common import ROOT, Result, machine

BENCH = Path(__file__).resolve().parent


def _run(cmd: list[str], timeout: float) -> str:
    """Run a bench, echoing its output as it comes; its stdout for parsing."""
    print(f"$ {' '.join(cmd[1:])}", flush=True)
    proc = subprocess.Popen([sys.executable, *cmd[1:]], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    if proc.wait(timeout=timeout):
        raise RuntimeError(f"{cmd[1]} exited with status {proc.returncode}")
    return "".join(lines)


def json_bench(script: str, extra: list[str], quick: bool, timeout: float) -> list[Result]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    try:
        _run(["python", str(BENCH / script), *extra, *(["--quick"] if quick else []), "--json", str(out)], timeout)
        return [Result(**r) for r in json.loads(out.read_text())]
    finally:
        out.unlink(missing_ok=True)


def workers_bench(quick: bool, timeout: float) -> list[Result]:
    script = BENCH / "workers.py"
    if not script.exists():
        print("(bench/workers.py not present: skipped)")
        return []
    help_text = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    args = ["--quick"] if quick and "--quick" in help_text else []
    if "--json" in help_text:
        return json_bench("workers.py", [], bool(args), timeout)
    _run(["python", str(script), *args], timeout)
    return []


BENCHES = {
    "sync": lambda q: json_bench("sync_walk.py", ["--pacing", "shipped", "5%", "0%"], q, 1800),
    "parse": lambda q: json_bench("parse.py", [], q, 600),
    "peers": lambda q: json_bench("peers.py", [], q, 1800),
    "memory": lambda q: json_bench("memory.py", [], q, 3600),
    "workers": lambda q: workers_bench(q, 3600),
    "celery-overhead": lambda q: json_bench("celery_overhead.py", [], q, 1800),
    "feeds": lambda q: json_bench("feed_batching.py", [], q, 3600),
    "orders-v2026": lambda q: json_bench("orders_v2026.py", [], q, 1800),
}


def markdown(results: list[Result], info: dict, quick: bool, seconds: float) -> str:
    rows = [
        "| bench | baseline | figure | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r.bench} | {r.baseline_label}: {r.baseline:,.2f} {r.unit} | {r.figure_label}: "
            f"{r.figure:,.2f} {r.unit} | {r.ratio:.3f} | {r.target} | {'yes' if r.met else 'NO'} |"
        )
    head = (f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB, {info['os']}, "
            f"Python {info['python']}. Date: {info['date']}. Mode: {'--quick' if quick else 'full'} "
            f"({seconds / 60:.1f} min).")
    return head + "\n\n" + "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), help="run only these")
    parser.add_argument("--markdown", help="write the summary (machine, date, table) to this file")
    parser.add_argument("--json", help="write every result as JSON to this file")
    args = parser.parse_args()
    info = machine()
    print(f"machine: {info}", flush=True)
    started = time.perf_counter()
    results: list[Result] = []
    failed: list[str] = []
    for name in args.only or list(BENCHES):
        print(f"\n=== {name} ===", flush=True)
        try:
            results.extend(BENCHES[name](args.quick))
        except Exception as exc:  # one broken bench must not hide the others' figures
            print(f"{name}: FAILED: {exc}", flush=True)
            failed.append(name)
    seconds = time.perf_counter() - started
    table = markdown(results, info, args.quick, seconds)
    print("\n=== summary ===\n" + table)
    if args.markdown:
        Path(args.markdown).write_text(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "results": [asdict(r) for r in results]}, indent=2))
    unmet = [r.bench for r in results if not r.met]
    if failed or unmet:
        print(f"failed: {failed or 'none'}; targets not met: {unmet or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
