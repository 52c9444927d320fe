from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def _session_store(tmp_path_factory):
    # One sqlite store per session: creating it runs every MLflow migration, which takes seconds.
    import mlflow

    root = tmp_path_factory.mktemp("tracking")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("codemod-tests")  # creates the tables once
    yield root, uri
    mlflow.set_tracking_uri(None)


@pytest.fixture
def tracking(_session_store, monkeypatch):
    """A throw-away sqlite tracking store for running rewritten snippets against the installed MLflow."""
    import mlflow

    root, uri = _session_store
    monkeypatch.chdir(root)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    mlflow.set_tracking_uri(uri)
    return uri


# The corpus is data (other projects' code, some named test_*.py), never collected as tests.
collect_ignore_glob = ["corpus/*"]
