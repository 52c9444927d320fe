# From the mlflow.openai.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
import mlflow
import openai

# Chat
mlflow.openai.save_model(
    model="gpt-3.5-turbo",
    task=openai.ChatCompletion,
    messages=[{"role": "user", "content": "Tell me a joke."}],
    path="model",
)

# Completions
mlflow.openai.save_model(
    model="text-davinci-002",
    task=openai.Completion,
    prompt="{text}. The general sentiment of the text is",
    path="model",
)

# Embeddings
mlflow.openai.save_model(
    model="text-embedding-ada-002",
    task=openai.Embedding,
    path="model",
)
