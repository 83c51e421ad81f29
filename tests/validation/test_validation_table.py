"""The validation summary's pass/fail marks (benchmarks/tables/validation_table.py)."""

import importlib.util
from pathlib import Path

PATH = Path(__file__).parents[2] / "benchmarks" / "tables" / "validation_table.py"
spec = importlib.util.spec_from_file_location("validation_table", PATH)
table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(table)


def test_verdict_names_the_bars_a_network_misses():
    good = {
        "posterior_abs_diff_over_sd_median": 0.13,
        "posterior_abs_diff_over_sd_max": 0.42,
        "sd_ratio_min": 0.94,
        "sd_ratio_max": 1.14,
        "normalization_max_abs_error": 0.001,
    }
    assert table.verdict("ddm", good) == "✅ all"
    weibull = {**good, "posterior_abs_diff_over_sd_max": 0.667, "sd_ratio_min": 0.67, "sd_ratio_max": 1.25}
    assert table.verdict("weibull", weibull) == "❌ max 0.667 > 0.5; SD ratio 0.67-1.25"
    # the DDM's normalization bar is tighter (0.02) than the others' (0.05)
    assert table.verdict("ddm", {**good, "normalization_max_abs_error": 0.03}).startswith("❌ normalization")
    assert table.verdict("angle", {**good, "normalization_max_abs_error": 0.03}) == "✅ all"
    assert table.verdict("levy", {"recovery_abs_z_median": 0.46}).startswith("no reference")
