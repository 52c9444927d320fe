from tests.codemod.helpers import assert_finding_only, fix

CODE = "MLU216"


def test_run_notebook_provides_mlflow():
    source = "# Databricks notebook source\n# MAGIC %run ./setup\n\nmlflow.log_metric('a', 1)\nmlflow.end_run()\n"
    findings = assert_finding_only(source, CODE, "%run ./setup")
    assert len(findings) == 1 and findings[0].line == 4


def test_other_rules_still_run_on_the_unbound_name():
    _new, findings = fix("from mlflow.models import infer_signature\nmlflow.list_run_infos('0')\n")
    assert sorted(f.code for f in findings) == ["MLU102", "MLU216"]
    assert "the environment" in next(f.message for f in findings if f.code == CODE)


def test_imported_mlflow_is_not_reported():
    for source in ("import mlflow\nmlflow.log_metric('a', 1)\n", "import mlflow.sklearn\nmlflow.log_metric('a', 1)\n",
                   "import numpy as np, mlflow\nmlflow.end_run()\n", "def f(mlflow):\n    mlflow.end_run()\n",
                   "import mlflow as mlflow\nmlflow.end_run()\n", "from mlflow import pyfunc\npyfunc.load_model(u)\n"):
        assert [f for f in fix(source, CODE)[1]] == [], source
