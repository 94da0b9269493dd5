"""MongoDB repositories, the list reader, the in-memory hint index and the language models."""
