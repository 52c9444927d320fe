# From the mlflow.pytorch.__init__ docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
# Log a model as a state_dict
with mlflow.start_run():
    state_dict = model.state_dict()
    mlflow.pytorch.log_state_dict(state_dict, artifact_path="model")

# Log a checkpoint as a state_dict
with mlflow.start_run():
    state_dict = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "loss": loss,
    }
    mlflow.pytorch.log_state_dict(state_dict, artifact_path="checkpoint")
