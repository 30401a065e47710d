"""Speed of the pure tier maths against plain arithmetic over the same volumes.

Prints one JSON object. Ratios compare two measurements of the same run, so they do not
depend on the machine's speed.
"""

import json
import os
import random
import resource
import sys
import time

from odoo.addons.customer_rebate.tools import rebate_math

TIERS = [(0.0, 2.0), (10_000.0, 3.5), (50_000.0, 5.0), (250_000.0, 7.5)]


def _best_of(runs, func):
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def main():
    lines = int(os.environ.get("LINES", "100000"))
    rng = random.Random(19)
    volumes = [rng.uniform(0, 400_000) for _ in range(lines)]

    def baseline():
        return [volume * 0.05 for volume in volumes]

    def retroactive():
        return [rebate_math.compute_rebate("retroactive", TIERS, v).amount for v in volumes]

    def incremental():
        return [rebate_math.compute_rebate("incremental", TIERS, v).amount for v in volumes]

    base = _best_of(3, baseline)
    result = {
        "lines": lines,
        "retroactive_vs_multiply_ratio": round(_best_of(3, retroactive) / base, 1),
        "incremental_vs_multiply_ratio": round(_best_of(3, incremental) / base, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
