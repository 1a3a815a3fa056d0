"""Enumerations of the district's organisations."""

from enum import StrEnum


class UnitLevel(StrEnum):
    """Where a unit sits in the district (层级)."""

    DISTRICT = "district"
    DEPARTMENT = "department"
    TOWN = "town"
    VILLAGE = "village"
