# From the mlflow.sagemaker.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow.sagemaker as mfs

data_capture_config = {
    "EnableCapture": True,
    "InitalSamplingPercentage": 100,
    "DestinationS3Uri": "s3://my-bucket/path",
    "CaptureOptions": [{"CaptureMode": "Output"}],
}
mfs.deploy(..., data_capture_config=data_capture_config)
