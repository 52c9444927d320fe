# From the mlflow._doctor docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow

with mlflow.start_run():
    mlflow.doctor()
