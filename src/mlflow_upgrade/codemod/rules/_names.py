"""Qualified names shared by several rules."""

EVALUATE = frozenset({
    "mlflow.evaluate",
    "mlflow.models.evaluate",
    "mlflow.models.evaluation.evaluate",
    "mlflow.models.evaluation.base.evaluate",
})
METRIC_THRESHOLD = frozenset({
    "mlflow.models.MetricThreshold",
    "mlflow.models.evaluation.MetricThreshold",
    "mlflow.models.evaluation.validation.MetricThreshold",
})
