"""MLU203: model flavors removed from MLflow."""

from __future__ import annotations

from typing import ClassVar

from mlflow_upgrade.codemod.registry import Rule, register
from mlflow_upgrade.codemod.rules._modules import RemovedModules

_PYFUNC = "wrap the model in a `mlflow.pyfunc.PythonModel` and log it with `mlflow.pyfunc.log_model`"


@register
class RemovedFlavors(RemovedModules, Rule):
    code = "MLU203"
    name = "removed-flavor"
    summary = "the flavor was removed (fastai, mleap, diviner, promptflow in 3.0; gluon, keras_core, llm in 2.x)"
    fixable = "never"
    triggers = ("fastai", "mleap", "diviner", "promptflow", "gluon", "keras_core", "llm")  # text pre-filter: the file is parsed only if one occurs
    since = ("MLflow 3.0.0 removed the fastai, mleap, diviner and promptflow flavors; gluon, keras_core and "
             "mlflow.llm were present in 2.9.2 and are gone from 2.22.5 and 3.x.")
    verb = "is not part of MLflow 3"
    modules: ClassVar[dict[str, str]] = {
        "mlflow.fastai": _PYFUNC + " (fastai: `learner.export()` + a PythonModel that calls `load_learner`)",
        "mlflow.mleap": "use `mlflow.onnx` or `mlflow.spark` (MLeap serialization was removed)",
        "mlflow.diviner": _PYFUNC,
        "mlflow.promptflow": _PYFUNC,
        "mlflow.gluon": _PYFUNC + " or export to ONNX (`mlflow.onnx`)",
        "mlflow.keras_core": "use `mlflow.keras` (Keras 3)",
        "mlflow.llm": "use `mlflow.evaluate`/`mlflow.genai` and tracing; `mlflow.llm.log_predictions` has no "
                      "direct replacement",
    }
