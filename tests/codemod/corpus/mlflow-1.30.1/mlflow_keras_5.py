# From the mlflow.keras docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
# Load persisted model as a Keras model or as a PyFunc, call predict() on a pandas DataFrame
keras_model = mlflow.keras.load_model("runs:/96771d893a5e46159d9f3b49bf9013e2" + "/models")
predictions = keras_model.predict(x_test)
