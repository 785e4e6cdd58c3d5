"""Warnings quote strangers' text (a receiver's answer, a vendor's error, a file name): printed inert."""

from __future__ import annotations

import logging
import subprocess
import sys

from bridgewatch.report.safe import InertFormatter

HOSTILE = "refused: \x1b]0;pwned\x07\x1b[31mred\x9b2J \u202eevil\nsecond line"


def test_a_log_line_loses_escape_sequences_controls_and_bidi_but_keeps_its_lines() -> None:
    record = logging.LogRecord("bridgewatch.alerts", logging.WARNING, __file__, 1, "receiver 'hook': %s", (HOSTILE,),
                               None)
    assert InertFormatter("%(levelname)s %(message)s").format(record) == (
        "WARNING receiver 'hook': refused: red2J evil\nsecond line")


def test_the_command_line_logs_through_it() -> None:
    code = ("from bridgewatch.cli.app import main_options\nimport logging\nmain_options()\n"
            f"logging.getLogger('bridgewatch.alerts').warning('answer %s', {HOSTILE!r})")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr == "WARNING answer refused: red2J evil\nsecond line\n"
