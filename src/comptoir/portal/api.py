"""The caller's home page tiles through the API (``GET /home``)."""

from django.http import HttpRequest
from ninja import Router, Schema

from comptoir.core.ids import Id
from comptoir.portal.tiles import home_tiles
from comptoir.tenancy.api import api_context

router = Router(tags=["store"])


class TileOut(Schema):
    installation: Id
    name: str
    logo: str | None
    url_open: str


@router.get("/home", response=list[TileOut], summary="The caller's tiles in the current context")
def home(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {
            "installation": tile["installation"],
            "name": tile["name"],
            "logo": tile["logo_url"],
            "url_open": tile["url_open"],
        }
        for tile in home_tiles(context=api_context(request))
    ]
