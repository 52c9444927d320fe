"""
The ``bigml`` module provides the integration of BigML models in MLFlow
"""
from bigmlflow.bigml import log_model, save_model, load_model
