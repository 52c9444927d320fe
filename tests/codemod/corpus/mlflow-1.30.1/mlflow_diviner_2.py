# From the mlflow.diviner docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.models.signature import infer_signature

auto_arima_obj = AutoARIMA(out_of_sample_size=60, maxiter=100)
base_auto_arima = GroupedPmdarima(model_template=auto_arima_obj).fit(
    df=training_data,
    group_key_columns=("region", "state"),
    y_col="y",
    datetime_col="ds",
    silence_warnings=True,
)
predictions = model.predict(n_periods=30, alpha=0.05, return_conf_int=True)
signature = infer_signature(data, predictions)
