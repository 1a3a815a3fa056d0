"""Chinese labels of the catalog's stored values, for the pages (`labels.X` in templates)."""

from .constants import (
    Audience,
    Delivery,
    ItemGroup,
    ItemKind,
    ManualRole,
    MaterialForm,
    ResultType,
    Stage,
)

ITEM_KIND = {
    ItemKind.ADMINISTRATIVE_LICENSE: "行政许可",
    ItemKind.ADMINISTRATIVE_CONFIRMATION: "行政确认",
    ItemKind.ADMINISTRATIVE_PAYMENT: "行政给付",
    ItemKind.ADMINISTRATIVE_FILING: "行政备案",
    ItemKind.ADMINISTRATIVE_AWARD: "行政奖励",
    ItemKind.ADMINISTRATIVE_LEVY: "行政征收",
    ItemKind.OTHER_POWER: "其他行政权力",
    ItemKind.PUBLIC_SERVICE: "公共服务",
}
ITEM_GROUP = {ItemGroup.APPROVAL: "行政审批事项", ItemGroup.PUBLIC_SERVICE: "社会服务事项"}
AUDIENCE = {Audience.PERSON: "个人", Audience.ENTERPRISE: "企业", Audience.BOTH: "个人和企业"}
STAGE = {
    Stage.APPLY: "申请",
    Stage.ACCEPT: "受理",
    Stage.REVIEW: "审查",
    Stage.DECIDE: "决定",
    Stage.DELIVER: "送达结果",
}
MATERIAL_FORM = {
    MaterialForm.ORIGINAL: "原件",
    MaterialForm.COPY: "复印件",
    MaterialForm.ORIGINAL_AND_COPY: "原件和复印件",
    MaterialForm.ELECTRONIC: "电子文件",
}
RESULT_TYPE = {
    ResultType.LICENSE: "证照",
    ResultType.DOCUMENT: "批文/证明文书",
    ResultType.NONE: "无",
}
# Looked up by the plain strings a version's `result_delivery` list stores (a StrEnum is one).
DELIVERY: dict[str, str] = {
    Delivery.ELECTRONIC: "电子送达",
    Delivery.POST: "邮寄",
    Delivery.PICKUP: "窗口领取",
}
MANUAL_ROLE = {
    ManualRole.WINDOW_CLERK: "窗口受理",
    ManualRole.REVIEWER: "审查",
    ManualRole.APPROVER: "决定",
}
