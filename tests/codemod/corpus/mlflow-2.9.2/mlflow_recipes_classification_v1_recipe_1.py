# From the mlflow.recipes.classification.v1.recipe docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import os
from mlflow.recipes import Recipe

os.chdir("~/mlp-classification-template")
classification_recipe = Recipe(profile="local")
# Display a visual overview of the recipe graph
classification_recipe.inspect()
# Run the full recipe
classification_recipe.run()
# Display a summary of results from the 'train' step, including the trained model
# and associated performance metrics computed from the training & validation datasets
classification_recipe.inspect(step="train")
# Display a summary of results from the 'evaluate' step, including model explanations
# computed from the validation dataset and metrics computed from the test dataset
classification_recipe.inspect(step="evaluate")
