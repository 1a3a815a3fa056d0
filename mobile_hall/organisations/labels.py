"""Chinese labels of the organisations' stored values, for the pages (`labels.X` in templates)."""

from .constants import UnitLevel

UNIT_LEVEL = {
    UnitLevel.DISTRICT: "区级",
    UnitLevel.DEPARTMENT: "区直部门",
    UnitLevel.TOWN: "镇（街）",
    UnitLevel.VILLAGE: "村（居）",
}
