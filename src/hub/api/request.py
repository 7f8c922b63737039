"""How the hub reads a request: JSON bodies only (415 otherwise), decoded strictly into the
handler's ``data`` type with every error named (``api/decoding``), and path parameters that
cannot name anything (a control character, an id past its column) answered with 404, and a
query parameter with a control character with 400, before any query runs.

Partner webhooks read their raw bytes themselves (``request.body()``): whatever the partner
sends is kept and verified as it came, so none of this applies to them.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request

from hub.api.decoding import decode_body
from hub.domain.bounds import INT64_MAX
from hub.domain.order import FieldError
from hub.errors import HubError, NotFound

_JSON = re.compile(r"^application/(?:[a-z0-9!#$&^_.+-]+\+)?json$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsupportedMediaType(HubError):
    status = 415
    title = "Unsupported media type"


class HubRequest(Request[Any, Any, Any]):
    """litestar's request, with the hub's JSON body reading (``Litestar(request_class=...)``)."""

    async def json(self) -> Any:
        media = self.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if not _JSON.match(media):
            raise UnsupportedMediaType(
                f"send the body as JSON with 'Content-Type: application/json' "
                f"(got {media or 'no Content-Type'!r})"
            )
        data = self.route_handler.parsed_fn_signature.parameters.get("data")
        return decode_body(await self.body(), Any if data is None else data.annotation)


async def refuse_impossible_params(request: Request[Any, Any, Any]) -> None:
    """``before_request``: a path parameter no stored row can have is a 404, and a query
    parameter with a control character a 400, before any query runs."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _CONTROL.search(value):
            raise NotFound(f"no such {name}: it contains a control character")
        if isinstance(value, int) and not 0 <= value <= INT64_MAX:
            raise NotFound(f"no such {name}: {value} is out of range")
    bad = sorted({k for k, v in request.query_params.multi_items() if _CONTROL.search(v)})
    if bad:
        raise HubError(
            f"query parameter {', '.join(bad)}: must not contain control characters",
            [FieldError(name, "must not contain control characters") for name in bad],
        )
