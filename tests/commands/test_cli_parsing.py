"""What each command line means: the app's own quick reading of its few command lines agrees
with the whole parser, and everything else still reaches the whole parser."""

from __future__ import annotations

import pytest

from tui.cli import build_parser, parse_args


@pytest.mark.parametrize("argv", [[], ["--demo"]])
def test_the_app_command_lines_mean_what_the_whole_parser_says(argv):
    assert parse_args(argv) == build_parser().parse_args(argv)


def test_other_command_lines_reach_the_whole_parser(capsys):
    assert parse_args(["--demo", "ask", "hi"]).command == "ask"
    with pytest.raises(SystemExit):
        parse_args(["--demo", "--nonsense"])
    assert "--nonsense" in capsys.readouterr().err
