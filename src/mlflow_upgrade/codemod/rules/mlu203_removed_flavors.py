"""MLU203: model flavors removed from MLflow.

Which flavors are gone comes from the generated catalog (`scripts/build_catalog.py` reads every release's wheel
and records the releases shipping each `mlflow.<flavor>` module): every flavor the installed MLflow no longer
ships. Only the advice per flavor is written here.
"""

from __future__ import annotations

from typing import ClassVar

from mlflow_upgrade.catalog import installed_version, load_catalog
from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._modules import RemovedModules

_PYFUNC = "wrap the model in a `mlflow.pyfunc.PythonModel` and log it with `mlflow.pyfunc.log_model`"
_ADVICE = {
    "fastai": _PYFUNC + " (fastai: `learner.export()` + a PythonModel that calls `load_learner`)",
    "mleap": "use `mlflow.onnx` or `mlflow.spark` (MLeap serialization was removed)",
    "gluon": _PYFUNC + " or export to ONNX (`mlflow.onnx`)",
}
# Removed modules that are not flavors (no log_model), so the catalog's flavor table does not list them;
# test_mlu203 checks they are absent from the installed MLflow.
_NOT_FLAVORS = {
    "mlflow.keras_core": "use `mlflow.keras` (Keras 3)",
    "mlflow.llm": "use `mlflow.evaluate`/`mlflow.genai` and tracing; `mlflow.llm.log_predictions` has no "
                  "direct replacement",
}


def _removed() -> dict[str, str]:
    """{module: advice (with the last release that shipped it)} for flavors the installed MLflow lacks."""
    removed = load_catalog().flavors_removed_before(installed_version())
    modules = {f"mlflow.{name}": f"{_ADVICE.get(name, _PYFUNC)}; last shipped in MLflow {last}"
               for name, last in sorted(removed.items())}
    return {**modules, **_NOT_FLAVORS}


@register
class RemovedFlavors(RemovedModules, Rule):
    code = "MLU203"
    name = "removed-flavor"
    summary = "the flavor is not part of the installed MLflow (fastai, mleap, gluon, diviner, promptflow, …)"
    fixable = "never"
    modules: ClassVar[dict[str, str]] = _removed()
    # text pre-filter: the file is parsed only if one of these occurs
    triggers = tuple(sorted({m.split(".")[1] for m in modules}))
    since = ("Flavors by the last release that shipped them (generated from every MLflow wheel): gluon 2.19.0; "
             "fastai and mleap 2.22.5 (removed in 3.0.0); diviner and promptflow 3.6.0 (removed in 3.7.0); "
             "mlflow.keras_core and mlflow.llm (not flavors) are gone from 2.22.5 and 3.x.")
    verb = "is not part of the installed MLflow"
