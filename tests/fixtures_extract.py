"""Session fixtures of the extract tests (registered in conftest.py)."""
