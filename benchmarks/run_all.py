"""Run every benchmark and print its tables (``make bench``)."""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent

if __name__ == "__main__":
    for script in ["throughput.py", "logp_cost.py", "simulator_accuracy.py", "sampling_speed.py"]:
        print(f"\n## {script}\n", flush=True)
        sys.argv = [script]
        runpy.run_path(str(HERE / script), run_name="__main__")
