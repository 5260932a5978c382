"""Every subcommand's --help: a description, an example that the parser accepts, help on every option."""

import argparse
import contextlib
import io
import shlex

import pytest

from rgflow.cli import SUBCOMMANDS, build_parser, main


def subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_help_has_description_example_and_option_help(name):
    sub = subparsers()[name]
    assert sub.description and len(sub.description) > 40, f"{name}: no description"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
        main([name, "--help"])
    assert stop.value.code == 0
    text = out.getvalue()
    assert "example:\n  rgflow " + name in text, f"{name} --help shows no example"
    for action in sub._actions:
        assert action.help, f"{name}: option {action.option_strings} has no help text"


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_example_parses(name):
    sub = subparsers()[name]
    example = sub.epilog.split("example:", 1)[1].strip()
    argv = shlex.split(example)
    assert argv[:2] == ["rgflow", name]
    ns = build_parser().parse_args(argv[1:])  # the example's options exist and have legal forms
    assert ns.command == name


def test_top_level_help_lists_every_subcommand():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["--help"])
    text = out.getvalue()
    for name in SUBCOMMANDS:
        assert f"    {name} " in text or f"    {name}\n" in text, f"rgflow --help does not list {name}"
