"""Places — /api/v1/places: Vietnam's provinces and communes since 2025-07-01.

GET /places/provinces                       anyone   the 34 provinces and cities
GET /places/provinces/<code>/communes?q=    anyone   a province's communes, wards, special zones
"""

from __future__ import annotations

from flask.views import MethodView

from marketplace.errors import NotFound
from marketplace.messages import N_
from marketplace.schemas.places import CommuneListArgs, PlaceListSchema
from marketplace.services import places
from marketplace.web.api import Blueprint

blp = Blueprint("places", __name__, url_prefix="/api/v1", description="Provinces and communes")

# The list changes by law, a few times a decade: clients and proxies may keep it a day.
CACHE_FOR_A_DAY = {"Cache-Control": "public, max-age=86400"}


@blp.route("/places/provinces")
class Provinces(MethodView):
    @blp.response(200, PlaceListSchema)
    def get(self):
        """The provinces and centrally run cities in force since 2025-07-01, by code."""
        return {"items": places.provinces()}, 200, CACHE_FOR_A_DAY


@blp.route("/places/provinces/<province>/communes")
class Communes(MethodView):
    @blp.arguments(CommuneListArgs, location="query")
    @blp.response(200, PlaceListSchema)
    def get(self, args, province):
        """A province's communes, wards and special zones, by code; ``q`` matches part of the
        name without diacritics. The province is its code (or its name)."""
        found = places.find_province(province)
        if found is None:
            raise NotFound(N_("No such province."), code="province_not_found")
        return {"items": places.communes(found.code, args["q"])}, 200, CACHE_FOR_A_DAY
