# From the mlflow.artifacts.__init__ docstring, mlflow-1.30.1 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow
from PIL import Image
with mlflow.start_run() as run:
    image = Image.new("RGB", (100, 100))
    artifact_uri = run.info.artifact_uri
    mlflow.log_image(image, "image.png")
    image  = mlflow.artifacts.load_image(artifact_uri + "/image.png")
    print(image)
