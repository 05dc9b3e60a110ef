"""The rich consoles of the command line, full width when the output is not a terminal.

On a terminal rich fits tables to the window, which is what a reader wants. Piped into a file, a
log or CI, rich assumes 80 columns and cuts every cell that does not fit (the rule summary read
``gua… com… 7 …``). There is no window to fit, so the console is given a width no table of ours
reaches: tables keep their natural width and nothing is ellipsised.
"""

from __future__ import annotations

from rich.console import Console

#: Width of a console whose output is not a terminal: wider than any table the CLI prints, so
#: tables keep their natural width (rich tables do not stretch to the console's width).
PIPE_WIDTH = 1000


def cli_console(*, stderr: bool = False) -> Console:
    """A console for the CLI: the window's width on a terminal, `PIPE_WIDTH` when piped."""
    probe = Console(stderr=stderr)
    if probe.is_terminal:
        return probe
    return Console(stderr=stderr, width=PIPE_WIDTH)
