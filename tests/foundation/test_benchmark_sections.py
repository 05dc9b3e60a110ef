"""Each bench script replaces only its own marked section of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from riskgraph.benchmarks import cpu_model, replace_section

A = ("<!-- a:begin -->", "<!-- a:end -->")
B = ("<!-- b:begin -->", "<!-- b:end -->")


def test_replaces_own_section_and_keeps_neighbours(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n", encoding="utf-8")
    replace_section(*A, "## A\nold figure", doc)
    replace_section(*B, "## B\nother figure", doc)
    replace_section(*A, "## A\nnew figure", doc)
    text = doc.read_text(encoding="utf-8")
    assert "old figure" not in text
    assert text.count("## A") == 1 and "new figure" in text
    assert "## B\nother figure" in text and text.startswith("# Benchmarks\n\nintro\n")
    assert text.index("## A") < text.index("## B")  # replaced in place, not moved to the end


def test_cpu_model_names_the_processor_from_cpuinfo() -> None:
    models = [
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
        if line.startswith("model name")
    ]
    assert models, "this test runs on Linux, where /proc/cpuinfo names the model"
    assert cpu_model() == models[0]
