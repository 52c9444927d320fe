"""Docs that restate the code are generated from it: docs/cli.md (every --help) and the README's exit codes."""

from __future__ import annotations

import click
import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.cli import cli
from tests.cli import make_cli_docs

FIX = "run: .venv/bin/python tests/cli/make_cli_docs.py"


def test_cli_reference_is_up_to_date() -> None:
    assert make_cli_docs.CLI_DOC.read_text() == make_cli_docs.cli_reference(), FIX


@pytest.mark.parametrize("path", list(make_cli_docs.command_paths()), ids=" ".join)
def test_every_command_and_option_is_documented(path: tuple[str, ...]) -> None:
    text = make_cli_docs.CLI_DOC.read_text()
    assert f"## mlflow-upgrade {' '.join(path)}\n" in text, FIX
    group: click.Command = cli
    ctx = click.Context(cli, info_name="mlflow-upgrade")
    for word in path:
        assert isinstance(group, click.Group)
        group = group.get_command(ctx, word)
    section = text.split(f"## mlflow-upgrade {' '.join(path)}\n", 1)[1].split("\n## ", 1)[0]
    for param in group.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help text"
            assert param.opts[0] in section, f"{' '.join(path)} {param.opts[0]} is not in docs/cli.md; {FIX}"


def test_readme_exit_codes_come_from_the_enum() -> None:
    text = make_cli_docs.README.read_text()
    assert make_cli_docs.readme_with_exit_codes(text) == text, FIX
    for code in errors.ExitCode:
        assert f"| {code.value} | {code.meaning} |" in text


def test_top_level_help_lists_every_exit_code() -> None:
    assert f"Exit codes: {errors.exit_codes_help()}." in " ".join(make_cli_docs.help_text(()).split())
    assert all(f"{code.value} {code.short}" in errors.exit_codes_help() for code in errors.ExitCode)


def test_the_reference_check_can_fail() -> None:
    """A changed option help must make the page differ."""
    command = cli.get_command(click.Context(cli), "verify")
    option = next(p for p in command.params if p.name == "save")
    saved = option.help
    try:
        option.help = "changed"
        assert make_cli_docs.cli_reference() != make_cli_docs.CLI_DOC.read_text()
    finally:
        option.help = saved
