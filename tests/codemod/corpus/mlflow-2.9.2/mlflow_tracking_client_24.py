# From the mlflow.tracking.client docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow
from PIL import Image

image = Image.new("RGB", (100, 100))

run = client.create_run(experiment_id="0")
client.log_image(run.info.run_id, image, "image.png")
