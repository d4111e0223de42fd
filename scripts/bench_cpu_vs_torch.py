#!/usr/bin/python3
"""Archscope's fast CPU backend against PyTorch on the CPU and against the reference, in one run, as JSON.

Runs tests/bench/fast_bench (the `cpu` backend through the engine's forward
pass: GPT-2 124M at 128/512/1024 tokens keeping every attention map, the
Mixtral-shaped MoE layer at 512/4096 tokens, every preset's classroom size at
16 tokens) and scripts/bench_torch_cpu.py at the same shapes, alternating the
two so both see the same machine load, and prints each shape's median and
spread and the ratio torch / archscope (above 1: Archscope is faster), against
PyTorch's fastest thread setting for that shape. The reference backend runs
once on the shapes where it ends in reasonable time (GPT-2 at 128 tokens, the
MoE layer at 512: about half a minute each), with its ratio.

  /usr/bin/python3 scripts/bench_cpu_vs_torch.py [--build build-tests] [--rounds 3] [--repeat 3] [--no-reference]

Needs a build with benchmarks (libbenchmark-dev) and python3-torch
(scripts/install-deps.sh --bench). Check `uptime` first: the figures are only
as quiet as the machine.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPES = ["forward/gpt2/T128", "forward/gpt2/T512", "forward/gpt2/T1024",
          "moe_layer/mixtral/T512", "moe_layer/mixtral/T4096"]
CLASSROOM_LIMIT_MS = 5.0


def load_average():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def run_json(cmd):
    out = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench_cpu_vs_torch.py: {' '.join(cmd)} failed ({out.returncode}):\n{out.stderr.strip()}")
    return json.loads(out.stdout)


def archscope_round(bench, pattern, repeat):
    """{name: [real ms, one per repetition]} for one pass of fast_bench over the benchmarks matching
    pattern: after its warm-up, each benchmark is timed `repeat` times, as PyTorch's are."""
    report = run_json([bench, f"--benchmark_filter={pattern}", "--benchmark_format=json",
                       f"--benchmark_repetitions={repeat}"])
    times, context = {}, report["context"]
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    for b in report["benchmarks"]:
        name = re.sub(r"/(real_time|iterations:\d+|min_warmup_time:[\d.]+)", "", b["run_name"])
        if "error_message" in b:
            sys.exit(f"bench_cpu_vs_torch.py: {name}: {b['error_message']}")
        if b.get("run_type") == "aggregate":
            continue
        times.setdefault(name, []).append(b["real_time"] * scale[b["time_unit"]])
    return times, context


def summary(runs):
    return dict(ms_median=statistics.median(runs), ms_min=min(runs), ms_max=max(runs), runs_ms=runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build-tests"), help="CMake build folder")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of both benchmarks")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs of each shape per round, on each side, after one warm-up run")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the reference backend (GPT-2 at 128 tokens and the MoE layer at 512 tokens, "
                             "about half a minute each)")
    parser.add_argument("--python", default="/usr/bin/python3", help="the Python that has python3-torch")
    parser.add_argument("--torch-threads", default=f"1,{os.cpu_count()}",
                        help="torch.set_num_threads values to try; each shape is compared with PyTorch's "
                             "fastest of them (default 1 and every CPU: Debian's torch defaults to 1 here, "
                             "and OpenBLAS threads on its own either way)")
    args = parser.parse_args()
    bench = os.path.join(args.build, "tests", "bench", "fast_bench")
    if not os.access(bench, os.X_OK):
        sys.exit(f"bench_cpu_vs_torch.py: {bench} not found; build with libbenchmark-dev installed")
    if args.rounds < 1 or args.repeat < 1:
        sys.exit("bench_cpu_vs_torch.py: --rounds and --repeat must be at least 1")
    try:
        torch_threads = [int(t) for t in args.torch_threads.split(",")]
    except ValueError:
        sys.exit(f"bench_cpu_vs_torch.py: --torch-threads: expected numbers like 1,2; found '{args.torch_threads}'")

    fast_pattern = "^(forward/gpt2/T(128|512|1024)|moe_layer/mixtral/T(512|4096)|classroom/[^/]+)/fast/"
    ours, context, torch_info = {}, {}, {}
    theirs = {t: {} for t in torch_threads}  # threads -> shape -> runs
    loads = [load_average()]
    for _ in range(args.rounds):
        times, context = archscope_round(bench, fast_pattern, args.repeat)
        for name, runs in times.items():
            ours.setdefault(name.removesuffix("/fast"), []).extend(runs)
        for threads in torch_threads:
            torch_report = run_json([args.python, os.path.join(ROOT, "scripts", "bench_torch_cpu.py"),
                                     "--repeat", str(args.repeat), "--threads", str(threads)])
            torch_info = {k: v for k, v in torch_report.items() if k not in ("results", "threads")}
            for r in torch_report["results"]:
                theirs[threads].setdefault(r["name"], []).extend(r["runs_ms"])
        loads.append(load_average())

    reference = {}
    if not args.no_reference:
        times, _ = archscope_round(bench, "^(forward/gpt2/T128|moe_layer/mixtral/T512|classroom/[^/]+)/reference/", 1)
        reference = {name.removesuffix("/reference"): runs[0] for name, runs in times.items()}

    rows = []
    for shape in SHAPES:
        a = summary(ours[shape])
        by_threads = {threads: summary(runs[shape]) for threads, runs in theirs.items()}
        best = min(by_threads, key=lambda threads: by_threads[threads]["ms_median"])
        t = dict(by_threads[best], threads=best, ms_median_by_threads={k: v["ms_median"] for k, v in by_threads.items()})
        row = dict(shape=shape, archscope=a, torch=t, torch_over_archscope=t["ms_median"] / a["ms_median"])
        if shape in reference:
            row["reference_ms"] = reference[shape]
            row["reference_over_archscope"] = reference[shape] / a["ms_median"]
        rows.append(row)
    classroom = []
    for name, runs in sorted(ours.items()):
        if name.startswith("classroom/"):
            s = summary(runs)
            entry = dict(preset=name.split("/")[1], ms_median=s["ms_median"], ms_max=s["ms_max"],
                         under_5ms=s["ms_max"] < CLASSROOM_LIMIT_MS)
            if name in reference:
                entry["reference_ms"] = reference[name]
            classroom.append(entry)
    print(json.dumps(dict(
        machine=dict(cpus=context.get("num_cpus"), mhz=context.get("mhz_per_cpu"), load_average_1_5_15=loads,
                     blas=context.get("blas"), pool_threads=context.get("threads")),
        torch=torch_info, rounds=args.rounds, shapes=rows, classroom_16_tokens=classroom,
        all_at_least_as_fast_as_torch=all(r["torch_over_archscope"] >= 1.0 for r in rows),
        all_classroom_under_5ms=all(c["under_5ms"] for c in classroom)), indent=2))


if __name__ == "__main__":
    main()
