# From the mlflow.paddle.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import paddle
import mlflow
from mlflow import MlflowClient


def show_run_data(run_id):
    run = mlflow.get_run(run_id)
    print(f"params: {run.data.params}")
    print(f"metrics: {run.data.metrics}")
    client = MlflowClient()
    artifacts = [f.path for f in client.list_artifacts(run.info.run_id, "model")]
    print(f"artifacts: {artifacts}")


class LinearRegression(paddle.nn.Layer):
    def __init__(self):
        super().__init__()
        self.fc = paddle.nn.Linear(13, 1)

    def forward(self, feature):
        return self.fc(feature)


train_dataset = paddle.text.datasets.UCIHousing(mode="train")
eval_dataset = paddle.text.datasets.UCIHousing(mode="test")

model = paddle.Model(LinearRegression())
optim = paddle.optimizer.SGD(learning_rate=1e-2, parameters=model.parameters())
model.prepare(optim, paddle.nn.MSELoss(), paddle.metric.Accuracy())

mlflow.paddle.autolog()

with mlflow.start_run() as run:
    model.fit(train_dataset, eval_dataset, batch_size=16, epochs=10)

show_run_data(run.info.run_id)
