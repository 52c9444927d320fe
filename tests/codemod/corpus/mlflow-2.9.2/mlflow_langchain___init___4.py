# From the mlflow.langchain.__init__ docstring, mlflow-2.9.2 sdist (Apache-2.0, see ../LICENSE.txt).
qa = RetrievalQA.from_llm(llm=OpenAI(), retriever=db.as_retriever())


def load_retriever(persist_directory):
    embeddings = OpenAIEmbeddings()
    vectorstore = FAISS.load_local(persist_directory, embeddings)
    return vectorstore.as_retriever()


with mlflow.start_run() as run:
    logged_model = mlflow.langchain.log_model(
        qa,
        artifact_path="retrieval_qa",
        loader_fn=load_retriever,
        persist_dir=persist_dir,
    )
