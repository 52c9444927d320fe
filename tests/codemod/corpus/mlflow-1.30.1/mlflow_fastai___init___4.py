# From the mlflow.fastai.__init__ docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow.fastai

# Define the Learner model
model = ...

# log the fastai Leaner model
with mlflow.start_run() as run:
    model.fit(epochs, learning_rate)
    mlflow.fastai.log_model(model, "model")

# Load the model for scoring
model_uri = "runs:/{}/model".format(run.info.run_id)
loaded_model = mlflow.fastai.load_model(model_uri)
results = loaded_model.predict(predict_data)
