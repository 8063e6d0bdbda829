"""Session fixtures of the storage tests (registered in conftest.py)."""
