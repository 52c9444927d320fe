# From the mlflow.pytorch.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
with mlflow.start_run():
    artifact_path = "model"
    mlflow.pytorch.log_state_dict(model.state_dict(), artifact_path)
    state_dict_uri = mlflow.get_artifact_uri(artifact_path)

state_dict = mlflow.pytorch.load_state_dict(state_dict_uri)
