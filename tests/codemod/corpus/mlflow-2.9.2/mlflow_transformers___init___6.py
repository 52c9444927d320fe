# From the mlflow.transformers.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from transformers import pipeline

qa_pipe = pipeline("question-answering", "csarron/mobilebert-uncased-squad-v2")

with mlflow.start_run():
    mlflow.transformers.log_model(
        transformers_model=qa_pipe,
        artifact_path="my_pipeline",
    )
