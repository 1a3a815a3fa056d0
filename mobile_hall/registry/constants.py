"""Enumerations of the office's reference-data registry."""

from enum import StrEnum


class EntryTarget(StrEnum):
    """What a one-stop entry (一门式服务入口) opens."""

    GROUP = "group"  # the catalog narrowed to a group of item kinds (`catalog.ItemGroup`)
    THEME = "theme"  # the catalog narrowed to a theme
    UNIT = "unit"  # the catalog narrowed to a department or town
    LINK = "link"  # the site of the body that runs it (e.g. the public resource trading centre)


class RecordKind(StrEnum):
    """The kinds of reference records the registry keeps a history of."""

    UNIT = "unit"
    LOCATION = "location"
    FIGURE = "figure"
    THEME = "theme"
    LICENSE_TYPE = "license_type"
    ENTRY = "entry"
