"""Retrieval and answering: embeddings, the Chroma store, hybrid retrieval and the cited answer."""
