"""Chinese labels of stored values, for the pages (one place, never scattered in logic)."""

from ..catalog.constants import (
    Audience,
    Delivery,
    ItemKind,
    ManualRole,
    MaterialForm,
    ResultType,
    Stage,
)
from ..identity.constants import StaffRoleKind
from ..organisations.constants import UnitLevel

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
DELIVERY = {Delivery.ELECTRONIC: "电子送达", Delivery.POST: "邮寄", Delivery.PICKUP: "窗口领取"}
MANUAL_ROLE = {
    ManualRole.WINDOW_CLERK: "窗口受理",
    ManualRole.REVIEWER: "审查",
    ManualRole.APPROVER: "决定",
}
UNIT_LEVEL = {
    UnitLevel.DISTRICT: "区级",
    UnitLevel.DEPARTMENT: "区直部门",
    UnitLevel.TOWN: "镇（街）",
    UnitLevel.VILLAGE: "村（居）",
}
REAL_NAME_LEVEL = {
    1: "一级（已注册）",
    2: "二级（身份证号与姓名核验）",
    3: "三级（人脸或银行卡核验）",
    4: "四级（注册点现场核验）",
}
STAFF_ROLE = {
    StaffRoleKind.WINDOW_CLERK: "窗口受理",
    StaffRoleKind.REVIEWER: "审查",
    StaffRoleKind.APPROVER: "决定",
    StaffRoleKind.UNIT_ADMIN: "单位管理员",
    StaffRoleKind.DISTRICT_OFFICE: "区网厅办",
}
SIGN_IN_REFUSAL = {
    "claim_invalid": "您在统一身份认证平台的实名信息不完整或未通过校验，暂时无法登录网厅。"
    "请携带身份证到实名账户注册办理点核实。",
    "provider_error": "统一身份认证平台未能完成登录，请稍后再试。",
    "discovery_failed": "暂时无法连接统一身份认证平台，请稍后再试。",
}
SIGN_IN_REFUSAL_DEFAULT = "登录未完成：安全校验未通过。请返回首页重新登录。"
