# From the mlflow.tracking.fluent docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow

with mlflow.start_run():
    mlflow.log_metric("mse", 2500.00)
