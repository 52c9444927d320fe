# From the mlflow.artifacts.__init__ docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow
with mlflow.start_run() as run:
    artifact_uri = run.info.artifact_uri
    mlflow.log_text("This is a sentence", "file.txt")
    file_content = mlflow.artifacts.load_text(artifact_uri + "/file.txt")
    print(file_content)
