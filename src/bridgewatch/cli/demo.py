"""`demo`: write the worked examples and run their cards."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bridgewatch.cli.app import (
    FormatOpt,
    app,
    check_format,
    guard,
    out,
)


@app.command()
def demo(out_dir: Annotated[Path, typer.Option("--out", help="Where the demo workspaces are written.")] =
         Path("demo-workspaces"), fmt: FormatOpt = "table",
         canonical: Annotated[bool, typer.Option("--canonical", help="Write canonical tables instead of vendor "
                                                                    "files.")] = False,
         via_api: Annotated[bool, typer.Option("--via-api", help="Serve the examples from fake vendor APIs on "
                                                                "127.0.0.1 and pull them through the connectors.")]
         = False) -> None:
    """Write the two worked-example workspaces (as vendor files) and run their cards."""
    check_format(fmt)

    def go() -> None:
        from bridgewatch.demo import write_demo
        from bridgewatch.monitor import live_view
        from bridgewatch.report.output import write_results
        from bridgewatch.results import compute
        from bridgewatch.workspace import load_workspace

        if via_api:
            from bridgewatch.connectors.fakes.demo import pull_demo

            folders = pull_demo(out_dir)
        else:
            folders = write_demo(out_dir, canonical=canonical)
        with compute([load_workspace(folder) for folder in folders]) as run:
            write_results([live_view(r) for r in run.results], fmt, fh=sys.stdout, console=out)
        if fmt == "table":
            names = ", ".join(str(f) for f in folders)
            out.print(f"Demo workspaces written to {names}; re-run one with "
                      f"`bridgewatch run --workspace {folders[0]}`.")

    guard(go)
