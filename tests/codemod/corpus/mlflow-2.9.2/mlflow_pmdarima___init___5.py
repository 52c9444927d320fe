# From the mlflow.pmdarima.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import pandas as pd
import mlflow
from mlflow.models import infer_signature
import pmdarima
from pmdarima.metrics import smape

# Specify locations of source data and the model artifact
SOURCE_DATA = "https://raw.githubusercontent.com/facebook/prophet/master/examples/example_retail_sales.csv"
ARTIFACT_PATH = "model"

# Read data and recode columns
sales_data = pd.read_csv(SOURCE_DATA)
sales_data.rename(columns={"y": "sales", "ds": "date"}, inplace=True)

# Split the data into train/test
train_size = int(0.8 * len(sales_data))
train, test = sales_data[:train_size], sales_data[train_size:]

with mlflow.start_run():
    # Create the model
    model = pmdarima.auto_arima(train["sales"], seasonal=True, m=12)

    # Calculate metrics
    prediction = model.predict(n_periods=len(test))
    metrics = {"smape": smape(test["sales"], prediction)}

    # Infer signature
    input_sample = pd.DataFrame(train["sales"])
    output_sample = pd.DataFrame(model.predict(n_periods=5))
    signature = infer_signature(input_sample, output_sample)

    # Log model
    mlflow.pmdarima.log_model(model, ARTIFACT_PATH, signature=signature)
