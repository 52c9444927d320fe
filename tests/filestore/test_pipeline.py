"""``pipeline.call_in_child``: work done in a forked child (MLflow's migrations) returns its value or its error
here, and a child that dies is an error, never a hang or a silent success."""

from __future__ import annotations

import os
import sys

import pytest

from mlflow_upgrade import errors
from mlflow_upgrade.filestore import pipeline

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="children are forked on Linux only")


def _pid_and_sum(a: int, b: int) -> tuple[int, int]:
    return os.getpid(), a + b


def _refuse(message: str) -> None:
    raise errors.StoreTooNew(message)


def _unpicklable_error() -> None:
    class Local(Exception):  # a local class cannot be pickled back to the parent
        pass

    raise Local("went wrong")


def _die() -> None:
    os._exit(3)


def test_result_comes_from_another_process() -> None:
    pid, total = pipeline.call_in_child(_pid_and_sum, 2, 3)
    assert total == 5 and pid != os.getpid()


def test_error_is_raised_here_with_its_class_and_text() -> None:
    with pytest.raises(errors.StoreTooNew, match="upgrade the installed mlflow"):
        pipeline.call_in_child(_refuse, "upgrade the installed mlflow")


def test_unpicklable_error_keeps_its_text() -> None:
    with pytest.raises(RuntimeError, match="Local: went wrong"):
        pipeline.call_in_child(_unpicklable_error)


def test_dead_child_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="exit code 3"):
        pipeline.call_in_child(_die)
