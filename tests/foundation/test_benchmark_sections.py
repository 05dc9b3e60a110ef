"""Each bench script replaces only its own marked section of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from riskgraph.benchmarks import replace_section

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
