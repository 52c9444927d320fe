# From the mlflow.fastai.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import fastai.vision as vis
import mlflow.fastai
from mlflow import MlflowClient


def main(epochs=5, learning_rate=0.01):
    # Download and untar the MNIST data set
    path = vis.untar_data(vis.URLs.MNIST_SAMPLE)

    # Prepare, transform, and normalize the data
    data = vis.ImageDataBunch.from_folder(
        path, ds_tfms=(vis.rand_pad(2, 28), []), bs=64
    )
    data.normalize(vis.imagenet_stats)

    # Create the CNN Learner model
    model = vis.cnn_learner(data, vis.models.resnet18, metrics=vis.accuracy)

    # Start MLflow session and log model
    with mlflow.start_run() as run:
        model.fit(epochs, learning_rate)
        mlflow.fastai.log_model(model, "model")

    # fetch the logged model artifacts
    artifacts = [
        f.path for f in MlflowClient().list_artifacts(run.info.run_id, "model")
    ]
    print(f"artifacts: {artifacts}")


main()
