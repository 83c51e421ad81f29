"""Run the side-by-side benchmarks and print their tables (``make bench``).

The three speed benchmarks and the simulator's accuracy, each with its defaults; the other
accuracy benchmarks (training runs, validation fits) and ``tables/`` are run one by one, with
the command in each script's docstring.
"""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = [
    "speed/throughput.py",
    "speed/logp_cost.py",
    "accuracy/simulator_accuracy.py",
    "speed/sampling_speed.py",
]

if __name__ == "__main__":
    for script in SCRIPTS:
        print(f"\n## {script}\n", flush=True)
        sys.argv = [str(HERE / script)]
        runpy.run_path(str(HERE / script), run_name="__main__")
