# From the mlflow.pmdarima docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.models.signature import infer_signature

model = pmdarima.auto_arima(data)
predictions = model.predict(n_periods=30, return_conf_int=False)
signature = infer_signature(data, predictions)
