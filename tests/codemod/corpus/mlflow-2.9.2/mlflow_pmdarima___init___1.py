# From the mlflow.pmdarima.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import pandas as pd
import mlflow
import mlflow.pyfunc
import pmdarima
from pmdarima import auto_arima


# Define a custom model class
class PmdarimaWrapper(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        self.model = context.artifacts["model"]

    def predict(self, context, model_input):
        return self.model.predict(n_periods=model_input.shape[0])


# Specify locations of source data and the model artifact
SOURCE_DATA = "https://raw.githubusercontent.com/facebook/prophet/master/examples/example_retail_sales.csv"
ARTIFACT_PATH = "model"

# Read data and recode columns
sales_data = pd.read_csv(SOURCE_DATA)
sales_data.rename(columns={"y": "sales", "ds": "date"}, inplace=True)

# Split the data into train/test
train_size = int(0.8 * len(sales_data))
train, _ = sales_data[:train_size], sales_data[train_size:]

# Create the model
model = pmdarima.auto_arima(train["sales"], seasonal=True, m=12)

# Log the model
with mlflow.start_run():
    wrapper = PmdarimaWrapper()
    mlflow.pyfunc.log_model(
        artifact_path="model",
        python_model=wrapper,
        artifacts={"model": mlflow.pyfunc.model_to_dict(model)},
    )
