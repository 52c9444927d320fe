# From the mlflow.models.signature docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.models import infer_signature
from mlflow.transformers import generate_signature_output

# Define parameters for inference
params = {
    "num_beams": 5,
    "max_length": 30,
    "do_sample": True,
    "remove_invalid_values": True,
}

# Infer the signature including parameters
signature = infer_signature(
    data,
    generate_signature_output(model, data),
    params=params,
)

# Saving model with model signature
mlflow.transformers.save_model(
    model,
    path=model_path,
    signature=signature,
)

pyfunc_loaded = mlflow.pyfunc.load_model(model_path)

# Passing params to `predict` function directly
result = pyfunc_loaded.predict(data, params=params)
