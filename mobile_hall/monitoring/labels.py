"""What the monitoring pages and sheets call things (Chinese, as people read them)."""

from __future__ import annotations

from ..applications import labels as applications_labels
from ..catalog import labels as catalog_labels
from .constants import Figure, Measure, UnitKind

FIGURE = {
    Figure.FULL_ONLINE: "网上全流程办理率",
    Figure.ONLINE_APPLY: "上网办理率",
    Figure.ONLINE_COMPLETE: "网上办结率",
    Figure.MAX_ONE_VISIT: "到现场办理次数不超过1次",
    Figure.ZERO_VISIT: "零次跑动",
    Figure.MOBILE: "手机办理",
    Figure.ENTERPRISE_PAGE: "企业专属网页开通比例",
    Figure.CITIZEN_PAGE: "市民个人网页开通比例",
}
FIGURE_SHORT = {
    Figure.FULL_ONLINE: "全流程",
    Figure.ONLINE_APPLY: "上网办理",
    Figure.ONLINE_COMPLETE: "网上办结",
    Figure.MAX_ONE_VISIT: "最多跑一次",
    Figure.ZERO_VISIT: "零跑动",
    Figure.MOBILE: "手机办理",
    Figure.ENTERPRISE_PAGE: "企业网页",
    Figure.CITIZEN_PAGE: "市民网页",
}
UNIT_KIND = {UnitKind.DISTRICT: "全区", UnitKind.DEPARTMENT: "区直单位", UnitKind.TOWN: "镇（街）"}
MEASURE = {
    Measure.PRAISE: "通报表扬",
    Measure.CRITICISM: "通报批评",
    Measure.RECTIFICATION: "整改通知",
    Measure.ACCOUNTABILITY: "问责",
}
GAP = {
    Figure.ZERO_VISIT: "承诺零跑动，办结件记录了到现场",
    Figure.MAX_ONE_VISIT: "承诺最多跑一次，办结件到现场超过1次",
    Figure.FULL_ONLINE: "承诺全流程网办，办结件无一全程网上办理",
}
# The other domains' words for channels, stages and deliveries, as their pages show them.
CHANNEL = applications_labels.CHANNEL
STAGE = catalog_labels.STAGE
DELIVERY = catalog_labels.DELIVERY
NO_DATA = "—"
MET = "达标"
NOT_MET = "未达标"


def percent(ratio) -> str:
    """A ratio as the page shows it: "45.0%", or "—" without data."""
    value = ratio.percent if ratio is not None else None
    return NO_DATA if value is None else f"{value:.1f}%"


def notice_title(measure: Measure, quarter_label: str) -> str:
    """The title of a notice as the unit's staff see it."""
    return f"{quarter_label}“三率一数”{MEASURE[measure]}"


def notice_body(unit: str, quarter_label: str, measure, missed: list[str], due_on) -> str:
    """The text of a notice to a unit."""
    if measure is Measure.PRAISE:
        return f"{unit}：{quarter_label}“三率一数”各项指标均已达标，予以通报表扬。"
    names = "、".join(FIGURE[Figure(key)] for key in missed) or "无"
    text = f"{unit}：{quarter_label}“三率一数”未达标指标：{names}。"
    if measure is Measure.RECTIFICATION:
        return text + f"请于{due_on.isoformat()}前完成整改并书面报告区网厅办。"
    if measure is Measure.ACCOUNTABILITY:
        return text + "依照工作方案启动问责程序。"
    return text + "予以通报批评，请对照目标抓紧落实。"
