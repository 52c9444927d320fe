# From the mlflow.recipes.classification.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
import pandas as pd
from mlflow.recipes import Recipe
from mlflow.pyfunc import PyFuncModel

os.chdir("~/mlp-classification-template")
classification_recipe = Recipe(profile="local")
classification_recipe.run()
train_df: pd.DataFrame = classification_recipe.get_artifact("training_data")
trained_model: PyFuncModel = classification_recipe.get_artifact("model")
