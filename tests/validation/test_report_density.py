"""Each shipped network's validation page shows its density against the simulator, and keeps it."""

import re
from pathlib import Path

import pytest

from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_networks
from hssm_nre.validation.report import write_report

DOCS = Path(__file__).parents[2] / "docs" / "validation"


@pytest.mark.parametrize("model", sorted(shipped_networks()))
def test_validation_page_embeds_the_density_figure(model):
    # the figure is benchmarks/accuracy/density_figures.py's, the same file densities.md shows
    text = (DOCS / f"{model}.md").read_text()
    assert f"![{model}: network density against the simulator](figures/{model}_density.png)" in text
    assert (DOCS / "figures" / f"{model}_density.png").stat().st_size > 10_000


def test_a_rewritten_report_keeps_the_density_figure(tmp_path):
    net = load_network("ddm")
    md = write_report(net, tmp_path, "Validation of ddm", "hssm-nre validate ddm", [])
    assert "_density.png" not in md.read_text()  # no figure there: no broken link
    (tmp_path / "figures" / "ddm_density.png").write_bytes(b"png")
    text = write_report(net, tmp_path, "Validation of ddm", "hssm-nre validate ddm", []).read_text()
    links = re.findall(r"!\[[^]]*\]\(([^)]*_density\.png)\)", text)
    assert links == ["figures/ddm_density.png"] and (md.parent / links[0]).is_file()
    assert text.index("_density.png") < text.index("Report written in")
