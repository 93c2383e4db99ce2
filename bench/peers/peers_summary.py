#!/usr/bin/env python3
"""The must-hold ratios of every run of bench/peers/llamacpp.sh in a results file, and per Ferry build
their median, lowest and highest over its runs:

    peers_summary.py RESULTS_JSON

One run takes each pair in turn, minutes apart, and this kind of host's memory bandwidth swings by tens
of percent between phases of minutes, so one run's ratio can land on either side of 1 by chance: run
llamacpp.sh several times into one file and read the medians. Runs without a recorded build (before
the script stamped them) count as one build, "unknown".
"""
import json
import statistics
import sys
from collections import OrderedDict


def main():
    runs = json.loads(open(sys.argv[1]).read())["runs"]
    by_build = OrderedDict()
    for run in runs:
        by_build.setdefault(run["host"].get("ferry_commit", "unknown"), []).append(run)
    for build, build_runs in by_build.items():
        loads = ", ".join(r["host"]["load_before"].split()[0] for r in build_runs)
        print(f"\nFerry {build}: {len(build_runs)} run(s) (load average before each: {loads})")
        print("| must hold | ratio per run | median | lowest | highest |\n|---|---|---|---|---|")
        whats = [m["what"] for m in build_runs[0]["must_hold"]]
        for what in whats:
            ratios = [next(m["ratio"] for m in r["must_hold"] if m["what"] == what) for r in build_runs]
            median = statistics.median(ratios)
            print(f"| {what} | {', '.join(f'{x:.2f}' for x in ratios)} | **{median:.2f}** {'holds' if median >= 1 else 'short'} "
                  f"| {min(ratios):.2f} | {max(ratios):.2f} |")


if __name__ == "__main__":
    main()
