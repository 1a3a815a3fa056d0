"""Chinese texts of the two pages: kinds, conditions, industries and sizes."""

from .constants import ConditionKind, EnterpriseSize, Industry, PageKind

PAGE_KIND = {PageKind.PERSON: "市民个人网页", PageKind.ENTERPRISE: "企业专属网页"}
CONDITION = {
    ConditionKind.AGE_AT_LEAST: "年龄不小于",
    ConditionKind.AGE_BELOW: "年龄小于",
    ConditionKind.SEX: "性别",
    ConditionKind.TOWN: "居住镇街",
    ConditionKind.HOLDS_LICENSE: "持有证照",
    ConditionKind.LICENSE_EXPIRING: "证照即将到期",
    ConditionKind.USED_THEME: "办理过的主题",
}
INDUSTRY = {
    Industry.AGRICULTURE: "农林牧渔",
    Industry.MANUFACTURING: "制造业",
    Industry.CONSTRUCTION: "建筑业",
    Industry.TRADE: "批发零售",
    Industry.CATERING: "住宿餐饮",
    Industry.LOGISTICS: "交通物流",
    Industry.TOURISM: "文化旅游",
    Industry.SERVICES: "其他服务业",
}
SIZE = {
    EnterpriseSize.LARGE: "大型",
    EnterpriseSize.MEDIUM: "中型",
    EnterpriseSize.SMALL: "小型",
    EnterpriseSize.MICRO: "微型",
}
SEX = {"male": "男性", "female": "女性"}
NOT_IN_DISTRICT = "不在曲江区居住"
