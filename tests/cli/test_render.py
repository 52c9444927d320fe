"""cli/render.py: the helpers verbs share for showing a report, also when the verb fails part way."""

from __future__ import annotations

import json

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.cli.render import failed_report_shown, show_report


def test_a_failure_carrying_a_report_shows_it_then_propagates(capsys: pytest.CaptureFixture[str]) -> None:
    failure = errors.Refused("destination holds other data")
    failure.report = {"status": "refused", "rows": 0}  # type: ignore[attr-defined]
    with pytest.raises(errors.Refused) as raised, failed_report_shown(True, lambda r: None):
        raise failure
    assert raised.value is failure and raised.value.exit_code == errors.ExitCode.REFUSED
    assert json.loads(capsys.readouterr().out) == {"status": "refused", "rows": 0}


def test_a_failure_without_a_report_shows_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    shown: list[object] = []
    with pytest.raises(errors.OperationFailed), failed_report_shown(False, shown.append):
        raise errors.OperationFailed("boom")
    assert shown == [] and capsys.readouterr().out == ""


def test_show_report_renders_text_unless_json(capsys: pytest.CaptureFixture[str]) -> None:
    shown: list[object] = []
    show_report({"a": 1}, False, shown.append)
    assert shown == [{"a": 1}] and capsys.readouterr().out == ""
    show_report({"a": 1}, True, shown.append)
    assert json.loads(capsys.readouterr().out) == {"a": 1} and len(shown) == 1


def test_an_error_class_takes_its_exit_code_from_its_header() -> None:
    class Custom(errors.MlflowUpgradeError, code=errors.ExitCode.BREAKING):
        pass

    assert Custom("x").exit_code == 12 and errors.DriverMissing("x").exit_code == errors.ExitCode.CONNECTION
    assert Custom("x", exit_code=3).exit_code == 3
