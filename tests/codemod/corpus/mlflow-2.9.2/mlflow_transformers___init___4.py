# From the mlflow.transformers.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.models import infer_signature
from mlflow.transformers import generate_signature_output
from transformers import pipeline

en_to_de = pipeline("translation_en_to_de")

data = "MLflow is great!"
output = generate_signature_output(en_to_de, data)
signature = infer_signature(data, output)

mlflow.transformers.save_model(
    transformers_model=en_to_de,
    path="/path/to/save/model",
    signature=signature,
    input_example=data,
)

loaded = mlflow.pyfunc.load_model("/path/to/save/model")
print(loaded.predict(data))
# MLflow ist großartig!
