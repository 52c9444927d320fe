# From the mlflow.fastai.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os

import mlflow.fastai

# Create a fastai Learner model
model = ...

# Start MLflow session and save model to current working directory
with mlflow.start_run():
    model.fit(epochs, learning_rate)
    mlflow.fastai.save_model(model, "model")

# Load saved model for inference
model_uri = "{}/{}".format(os.getcwd(), "model")
loaded_model = mlflow.fastai.load_model(model_uri)
results = loaded_model.predict(predict_data)
