"""Verbs that list their exit codes in --help take the numbers from errors.ExitCode (cli/render.exit_codes_help)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.cli.render import exit_codes_help
from mlflow_upgrade.errors import ExitCode
from tests.cli.make_cli_docs import command_paths, help_text

SRC = Path(errors.__file__).resolve().parent


def test_the_sentence_is_written_from_the_enum() -> None:
    meanings = {ExitCode.OK: "done", ExitCode.INCOMPLETE: "done, partly"}
    assert errors.verb_exit_codes(meanings) == "Exit codes: 0 done; 10 done, partly."

    @exit_codes_help(meanings, lead="Exits")
    def verb() -> None:
        """Do it. {exit_codes}"""

    assert verb.__doc__ == "Do it. Exits: 0 done; 10 done, partly."


def test_a_docstring_without_the_place_for_them_is_refused() -> None:
    def verb() -> None:
        """Do it. Exit codes: 0 done."""

    with pytest.raises(ValueError, match=re.escape("no {exit_codes}")):
        exit_codes_help({ExitCode.OK: "done"})(verb)


@pytest.mark.parametrize(("path", "module"), [(("codemod",), "codemod"), (("migrate-filestore",), "filestore")])
def test_generated_verbs_have_no_handwritten_list(path: tuple[str, ...], module: str) -> None:
    source = (SRC / "cli" / f"{module}.py").read_text()
    assert "{exit_codes}" in source and not re.search(r"Exit codes[^:\n]*: \d", source)
    assert re.search(r"Exit\s+codes[^:]*:\s+0\s", help_text(path))


def test_every_exit_code_list_in_help_names_real_codes() -> None:
    real = {code.value for code in ExitCode}
    seen = 0
    for path in command_paths():
        text = " ".join(help_text(path).split())
        for listed in re.findall(r"Exit codes[^:]*: (.*?\.)(?: [A-Z]|$)", text):
            numbers = {int(n) for n in re.findall(r"(?:^|; )(\d+) ", listed)}
            assert numbers <= real, (path, listed)
            seen += bool(numbers)
    assert seen >= 3  # codemod, migrate-filestore, migrate-db at least
