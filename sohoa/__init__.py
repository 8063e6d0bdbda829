"""sohoa core: domain types, errors, settings and the command line shared by every folder."""

__version__ = "0.1.0"
