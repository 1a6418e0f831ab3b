"""OData's own errors: ``{"error": {"code", "message", "target"}}`` with ``OData-Version: 4.0``.

The OData endpoints answer bad requests in OData's format, which Power BI and Excel show their
users; authentication failures keep the service's problem+json (they happen before OData).
"""

from __future__ import annotations

from starlette.responses import JSONResponse

ODATA_VERSION = {"OData-Version": "4.0"}


class ODataError(Exception):
    status = 400
    code = "BadRequest"

    def __init__(self, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.target = target

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        body: dict[str, str] = {"code": self.code, "message": self.message}
        if self.target is not None:
            body["target"] = self.target
        return JSONResponse({"error": body}, status_code=self.status, headers={**ODATA_VERSION, **(headers or {})})


class BadRequest(ODataError):
    """Not valid OData, or about a property the entity type does not have."""


class NotFound(ODataError):
    status = 404
    code = "NotFound"


class NotSupported(ODataError):
    """Valid OData that this read-only service does not serve."""

    status = 501
    code = "NotImplemented"


class MethodNotAllowed(ODataError):
    status = 405
    code = "MethodNotAllowed"
