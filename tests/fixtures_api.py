"""Session fixtures of the api tests (registered in conftest.py)."""
