# From the mlflow.recipes.regression.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
import pandas as pd
from mlflow.recipes import Recipe
from mlflow.pyfunc import PyFuncModel

os.chdir("~/recipes-regression-template")
regression_recipe = Recipe(profile="local")
regression_recipe.run()
train_df: pd.DataFrame = regression_recipe.get_artifact("training_data")
trained_model: PyFuncModel = regression_recipe.get_artifact("model")
