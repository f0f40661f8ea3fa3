"""Was an event recorded where it says? The phone's position against the area it names.

The rule: an event is flagged when the phone was farther from the area's coordinates than
``FAR_BASE_KM`` (2 km) plus the area's own radius (a circle of its hectares) plus the accuracy the
phone reported. Facilities carry no coordinates, so an event naming only a facility is not checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tracelabel.models import TraceEvent

FAR_BASE_KM = 2.0
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class FarOff:
    """How far from its named area an event was recorded, and how far it could have been."""

    distance_km: float
    allowed_km: float
    place: str


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def far_off(event: TraceEvent) -> FarOff | None:
    """The flag for an event recorded far from the area it names, or None."""
    area = event.area
    if (event.latitude is None or event.longitude is None or area is None
            or area.latitude is None or area.longitude is None):
        return None
    distance = distance_km(float(event.latitude), float(event.longitude),
                           float(area.latitude), float(area.longitude))
    radius = math.sqrt(float(area.area_ha) * 10_000 / math.pi) / 1000 if area.area_ha else 0.0
    allowed = FAR_BASE_KM + radius + (event.position_accuracy_m or 0) / 1000
    return FarOff(distance, allowed, area.name) if distance > allowed else None
