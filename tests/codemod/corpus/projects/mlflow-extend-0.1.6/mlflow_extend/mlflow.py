from mlflow import *
from mlflow_extend.experiment import *
from mlflow_extend.logging import *
