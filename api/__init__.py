"""The HTTP API and the staff review UI.

Public face: ``create_app(settings) -> FastAPI`` (started by ``sohoa serve``).
"""

from api.app import create_app

__all__ = ["create_app"]
