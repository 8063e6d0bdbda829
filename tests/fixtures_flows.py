"""Session fixtures of the flows tests (registered in conftest.py)."""
