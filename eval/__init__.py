"""Evaluation: question set, scorer, the LangChain tutorial baseline, and the benchmark."""
