# From the mlflow.utils.credentials docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow

mlflow.login()
with mlflow.start_run():
    mlflow.log_param("p", 0)
