"""The claims sweep: run a notebook once per seed and tabulate every check it makes.

    python -m gan_helpers.course.sweep notebooks/02_gaussian_1d.ipynb --seeds 0-9
    python -m gan_helpers.course.sweep notebooks/0[1-5]_*.ipynb --seeds 0-9 --out benchmarks/results

Each seed runs the notebook top to bottom in a fresh kernel (``SEED`` injected after the
``parameters`` cell, as papermill does), one run at a time. Every ``expect`` check is
logged with its measured value and its *margin*: how far the value is inside its claim, in
the value's own units (negative: the claim failed). For each check the table gives the
seeds that pass, the worst margin, the values' range over seeds, and the worst margin in
units of the values' standard deviation over seeds: a check at 3 sd or more sits well
outside the spread that seeds produce; one under 1 sd is a coin toss on another machine.
A run that fails is reported with its failing cell and message, and the sweep goes on.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import pathlib
import platform
import re
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass, field

from .execute import execute_notebook, parameters_cell

__all__ = ["parse_seeds", "SeedRun", "CheckSummary", "Sweep", "sweep_notebook", "write_sweep", "main"]


def parse_seeds(text: str) -> list[int]:
    """``"0-9"`` -> 0..9; ``"0,3,7"`` -> [0, 3, 7]; ``"4"`` -> [4]; ranges and lists mix (``"0-4,9"``)."""
    seeds: list[int] = []
    for part in str(text).split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m:
            raise ValueError(f"malformed seed range {text!r}: use forms like '0-9', '0,3,7' or '0-4,9'")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise ValueError(f"malformed seed range {text!r}: {lo}-{hi} runs backwards")
        seeds.extend(range(lo, hi + 1))
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seed range {text!r} names a seed twice")
    return seeds


@dataclass
class SeedRun:
    """One execution: its seed, wall time, the checks it logged, and its error if any."""

    seed: int
    seconds: float
    checks: list[dict]
    error: str | None = None
    failed_cell: int | None = None


@dataclass
class CheckSummary:
    """One check over all seeds. ``key`` is its text (with ``#2`` etc. when a run makes the
    same check more than once)."""

    key: str
    claim: str
    values: dict[int, float] = field(default_factory=dict)
    margins: dict[int, float] = field(default_factory=dict)
    passed: dict[int, bool] = field(default_factory=dict)

    def num_passed(self, seeds) -> int:
        return sum(self.passed.get(s, False) for s in seeds)

    def worst(self) -> tuple[int, float]:
        """(seed, margin) of the worst run that reached the check."""
        seed = min(self.margins, key=lambda s: (math.isnan(self.margins[s]) is False, self.margins[s]))
        return seed, self.margins[seed]

    def margin_in_sd(self) -> float:
        """Worst margin over the standard deviation of the values over seeds (inf if they never vary)."""
        vals = [v for v in self.values.values() if math.isfinite(v)]
        if len(vals) < 2:
            return float("nan")
        sd = statistics.stdev(vals)
        _, worst = self.worst()
        return float("inf") if sd == 0 else worst / sd


def _claim_text(record: dict) -> str:
    if record["between"] is not None:
        return f"in [{record['between'][0]:g}, {record['between'][1]:g}]"
    return f"< {record['below']:g}" if record["below"] is not None else f"> {record['above']:g}"


@dataclass
class Sweep:
    """The result of sweeping one notebook."""

    notebook: str
    seeds: list[int]
    runs: list[SeedRun]
    machine: str
    date: str

    def checks(self) -> list[CheckSummary]:
        """Every check, in the order the runs first made it."""
        table: dict[str, CheckSummary] = {}
        for run in self.runs:
            seen: dict[str, int] = {}
            for rec in run.checks:
                seen[rec["what"]] = seen.get(rec["what"], 0) + 1
                key = rec["what"] if seen[rec["what"]] == 1 else f"{rec['what']} #{seen[rec['what']]}"
                summary = table.setdefault(key, CheckSummary(key, _claim_text(rec)))
                summary.values[run.seed] = rec["value"]
                summary.margins[run.seed] = rec["margin"]
                summary.passed[run.seed] = rec["ok"]
        return list(table.values())

    @property
    def all_passed(self) -> bool:
        checks = self.checks()
        return all(r.error is None for r in self.runs) and all(c.num_passed(self.seeds) == len(self.seeds) for c in checks)


def _machine() -> str:
    model = ""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os
    import torch
    cores = os.cpu_count()
    return (f"{model or platform.processor() or platform.machine()}, {cores} cores; Python {platform.python_version()}, "
            f"torch {torch.__version__}")


def sweep_notebook(path, seeds, *, timeout: int = 900, progress: bool = True) -> Sweep:
    """Run the notebook at ``path`` once per seed (one at a time) and collect its checks."""
    path = pathlib.Path(path)
    import nbformat
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    parameters_cell(nbformat.read(path, as_version=4))     # rejects a notebook without parameters or SEED
    seeds = list(seeds)
    if not seeds:
        raise ValueError("no seeds to sweep")
    runs = []
    with tempfile.TemporaryDirectory(prefix="sweep-") as tmp:
        for seed in seeds:
            log = pathlib.Path(tmp) / f"claims_{seed}.jsonl"
            out = pathlib.Path(tmp) / f"{path.stem}_seed{seed}.ipynb"
            run = execute_notebook(path, parameters={"SEED": seed}, output=out, timeout=timeout,
                                   claims_log=log, allow_errors=True)
            checks = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
            runs.append(SeedRun(seed, run.seconds, checks, run.error, run.failed_cell))
            if progress:
                status = "ok" if run.error is None else f"FAILED in cell {run.failed_cell}: {run.error}"
                failed = [c["what"] for c in checks if not c["ok"]]
                print(f"{path.name} seed {seed}: {run.seconds:.1f} s, {len(checks)} checks, {status}"
                      + (f" (failed: {'; '.join(failed)})" if failed else ""), flush=True)
    return Sweep(path.name, seeds, runs, _machine(), dt.date.today().isoformat())


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{x:.4g}"


def write_sweep(sweep: Sweep, out_dir) -> pathlib.Path:
    """Write ``sweep_<notebook>.md`` (the table) and ``.json`` (the raw runs) under ``out_dir``."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = pathlib.Path(sweep.notebook).stem
    seeds = sweep.seeds
    times = [r.seconds for r in sweep.runs]
    lines = [f"# Claims sweep: {sweep.notebook}", "",
             f"Seeds {seeds[0]}–{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else f"Seeds {seeds}",
             f", run {sweep.date} on {sweep.machine}.", "",
             f"Runtime per seed (whole notebook, fresh kernel): min {min(times):.0f} s, median "
             f"{statistics.median(times):.0f} s, max {max(times):.0f} s; total {sum(times) / 60:.1f} min.", "",
             "Margin: how far the worst seed's value sits inside the claim, in the value's units (negative: failed). "
             "Margin/sd: that margin over the standard deviation of the values across seeds.", "",
             "| check | claim | passed | worst margin (seed) | values min / median / max | margin/sd |",
             "|---|---|---|---|---|---|"]
    for c in sweep.checks():
        seed, worst = c.worst()
        vals = sorted(c.values.values())
        lines.append(f"| {c.key.replace('|', chr(92) + '|')} | {c.claim} | {c.num_passed(seeds)}/{len(seeds)} | {_fmt(worst)} ({seed}) | "
                     f"{_fmt(vals[0])} / {_fmt(statistics.median(vals))} / {_fmt(vals[-1])} | {_fmt(c.margin_in_sd())} |")
    failures = [r for r in sweep.runs if r.error]
    if failures:
        lines += ["", "## Runs that failed", "", "| seed | cell | error |", "|---|---|---|"]
        lines += [f"| {r.seed} | {r.failed_cell} | {r.error.splitlines()[0][:300]} |" for r in failures]
    lines += ["", f"Verdict: {'every check passed on every seed' if sweep.all_passed else 'NOT every check passed'}."]
    md = out_dir / f"sweep_{stem}.md"
    md.write_text("\n".join(lines).replace("\n, run", ", run") + "\n")
    (out_dir / f"sweep_{stem}.json").write_text(json.dumps(
        {"notebook": sweep.notebook, "seeds": seeds, "machine": sweep.machine, "date": sweep.date,
         "runs": [asdict(r) for r in sweep.runs]}, indent=1) + "\n")
    return md


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_helpers.course.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--seeds", default="0-9", help="seeds to run, e.g. 0-9 or 0,3,7 (default 0-9)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("benchmarks/results"),
                        help="folder for sweep_<notebook>.md/.json (default benchmarks/results)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds one cell may take (default 900)")
    args = parser.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as err:
        parser.error(str(err))
    status = 0
    for nb in args.notebooks:
        result = sweep_notebook(nb, seeds, timeout=args.timeout)
        md = write_sweep(result, args.out)
        print(f"{nb.name}: {'all checks passed' if result.all_passed else 'SOME CHECKS FAILED'} -> {md}")
        status |= 0 if result.all_passed else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
