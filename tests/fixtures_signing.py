"""Session fixtures of the signing tests (registered in conftest.py)."""
