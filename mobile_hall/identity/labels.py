"""Chinese labels of identity's stored values and sign-in refusals (`labels.X` in templates)."""

from .constants import StaffRoleKind

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
    StaffRoleKind.CATALOG_EDITOR: "事项管理员",
    StaffRoleKind.CATALOG_REVIEWER: "事项审核员",
}
SIGN_IN_REFUSAL = {
    "claim_invalid": "您在统一身份认证平台的实名信息不完整或未通过校验，暂时无法登录网厅。"
    "请携带身份证到实名账户注册办理点核实。",
    "provider_error": "统一身份认证平台未能完成登录，请稍后再试。",
    "discovery_failed": "暂时无法连接统一身份认证平台，请稍后再试。",
}
SIGN_IN_REFUSAL_DEFAULT = "登录未完成：安全校验未通过。请返回首页重新登录。"
