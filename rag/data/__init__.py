"""Data files read by the code (stop words, synonyms, answer wording): edit them, not the code."""
