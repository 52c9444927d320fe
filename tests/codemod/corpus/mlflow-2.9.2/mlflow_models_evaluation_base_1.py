# From the mlflow.models.evaluation.base docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
def eval_fn(
    predictions: pandas.Series,
    targets: pandas.Series,
    metrics: Dict[str, MetricValue],
    **kwargs,
) -> Union[float, MetricValue]:
    """
    :param predictions: A pandas Series containing the predictions made by the model.
    :param targets: (Optional) A pandas Series containing the corresponding labels
        for the predictions made on that input.
    :param metrics: (Optional) A dictionary containing the metrics calculated by the
        default evaluator.
        The keys are the names of the metrics and the values are the metric values.
        To access the MetricValue for the metrics calculated by the system, make sure
        to specify the type hint for this parameter as Dict[str, MetricValue].
        Refer to the DefaultEvaluator behavior section for what metrics
        will be returned based on the type of model (i.e. classifier or regressor).
    :param kwargs: Includes a list of args that are used to compute the metric. These
        args could information coming from input data, model outputs or parameters
        specified in the `evaluator_config` argument of the `mlflow.evaluate` API.
    :return:
        MetricValue with per-row scores, per-row justifications, and aggregate results.
    """
