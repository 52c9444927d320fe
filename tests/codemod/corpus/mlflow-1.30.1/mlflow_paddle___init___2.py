# From the mlflow.paddle.__init__ docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow.paddle
import paddle
from paddle.nn import Linear
import paddle.nn.functional as F
import numpy as np
import os
import random
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn import preprocessing

def load_data():
    # dataset on boston housing prediction
    X, y = load_diabetes(return_X_y=True, as_frame=True)

    min_max_scaler = preprocessing.MinMaxScaler()
    X_min_max = min_max_scaler.fit_transform(X)
    X_normalized = preprocessing.scale(X_min_max, with_std=False)

    X_train, X_test, y_train, y_test = train_test_split(
        X_normalized, y, test_size=0.2, random_state=42)

    y_train = y_train.reshape(-1, 1)
    y_test = y_test.reshape(-1, 1)
    return np.concatenate(
        (X_train, y_train), axis=1),np.concatenate((X_test, y_test), axis=1
    )

class Regressor(paddle.nn.Layer):

    def __init__(self):
        super().__init__()

        self.fc = Linear(in_features=13, out_features=1)

    @paddle.jit.to_static
    def forward(self, inputs):
        x = self.fc(inputs)
        return x

model = Regressor()
model.train()
training_data, test_data = load_data()
opt = paddle.optimizer.SGD(learning_rate=0.01, parameters=model.parameters())

EPOCH_NUM = 10
BATCH_SIZE = 10

for epoch_id in range(EPOCH_NUM):
    np.random.shuffle(training_data)
    mini_batches = [training_data[k : k + BATCH_SIZE]
        for k in range(0, len(training_data), BATCH_SIZE)]
    for iter_id, mini_batch in enumerate(mini_batches):
        x = np.array(mini_batch[:, :-1]).astype('float32')
        y = np.array(mini_batch[:, -1:]).astype('float32')
        house_features = paddle.to_tensor(x)
        prices = paddle.to_tensor(y)

        predicts = model(house_features)

        loss = F.square_error_cost(predicts, label=prices)
        avg_loss = paddle.mean(loss)
        if iter_id%20==0:
            print("epoch: {}, iter: {}, loss is: {}".format(
                epoch_id, iter_id, avg_loss.numpy()))

        avg_loss.backward()
        opt.step()
        opt.clear_grad()

mlflow.log_param('learning_rate', 0.01)
mlflow.paddle.log_model(model, "model")
sk_path_dir = './test-out'
mlflow.paddle.save_model(model, sk_path_dir)
print("Model saved in run %s" % mlflow.active_run().info.run_uuid)
