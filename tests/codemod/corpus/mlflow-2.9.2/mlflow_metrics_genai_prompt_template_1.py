# From the mlflow.metrics.genai.prompt_template docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
from mlflow.metrics.genai.prompt_template import PromptTemplate

# Instantiation using initializer
prompt = PromptTemplate(template_str="Say {foo} {baz}", variables=["foo", "baz"])

# Instantiation using partial_fill
prompt = PromptTemplate(template_str="Say {foo} {baz}").partial_fill(foo="bar")

# Format the prompt
prompt.format(baz="qux")
