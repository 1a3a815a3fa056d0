"""Chinese labels of authoring's stored values and of the guide's fields (for the pages)."""

from .constants import DraftKind, DraftStatus

DRAFT_KIND = {
    DraftKind.CHANGE: "修改指南",
    DraftKind.CREATE: "新增事项",
    DraftKind.SUSPEND: "暂停办理",
    DraftKind.RESUME: "恢复办理",
}
DRAFT_STATUS = {
    DraftStatus.EDITING: "编辑中",
    DraftStatus.SUBMITTED: "待审核",
    DraftStatus.RETURNED: "已退回",
    DraftStatus.PUBLISHED: "已发布",
    DraftStatus.REFUSED: "未通过",
}
# The guide's fields as the difference view names them, in the order of the editor.
FIELD = {
    "code": "事项编码",
    "name": "事项名称",
    "kind": "事项类型",
    "is_approval": "行政审批事项",
    "audience": "服务对象",
    "themes": "主题分类",
    "units": "实施主体",
    "keywords": "搜索关键词",
    "summary": "简介",
    "legal_basis": "设定依据",
    "conditions": "办理条件",
    "materials": "申请材料",
    "is_free": "不收费",
    "fee_description": "收费标准",
    "legal_time_limit_days": "法定时限（工作日）",
    "promised_time_limit_days": "承诺时限（工作日）",
    "required_visits": "到现场次数",
    "online_stages": "网上办理环节",
    "mobile_enabled": "手机可办",
    "min_real_name_level": "最低实名等级",
    "allows_tolerant_acceptance": "容缺受理",
    "form_fields": "申请表字段",
    "result": "办理结果",
    "visit": "到现场办理",
    "contact_phone": "咨询电话",
    "business_manual": "业务手册",
    "popular_rank": "常用事项排名",
}
MATERIAL_FIELD = {
    "name": "名称",
    "required": "必交",
    "form": "原件/复印件",
    "count": "份数",
    "notes": "说明",
    "license_type": "可代替的电子证照",
}
FORM_FIELD = {
    "label": "标题",
    "type": "类型",
    "required": "必填",
    "group": "步骤",
    "choices": "选项",
    "help": "填写说明",
    "validation": "校验规则",
}
FIELD_TYPE = {
    "text": "单行文字",
    "person_name": "姓名",
    "textarea": "多行文字",
    "number": "金额或数值（可有小数）",
    "count": "数量（整数）",
    "date": "日期",
    "select": "下拉选择",
    "radio": "单选",
    "checkbox": "多选",
    "id_number": "身份证号码",
    "phone": "手机号码",
    "email": "电子邮箱",
    "credit_code": "统一社会信用代码",
    "address": "地址",
}
# Problems of authoring's own rules, beside the catalog schema's (`common/messages.py`).
PROBLEM = {
    "own_unit_required": "实施主体必须包含本单位",
    "code_taken": "事项编码已被使用",
    "no_route": "该类事项尚未指定审核单位，请联系区网厅办",
    "reason_required": "请写明退回理由",
}
# Why an action on a draft was refused (shown as a notice).
REFUSAL = {
    "open_draft": "该事项已有未完成的草稿，请先处理",
    "not_editable": "草稿已提交审核或已处理，不能再修改",
    "decided": "该草稿已由他人处理",
    "suspended": "该事项已暂停办理，无需再次申请暂停",
    "not_suspended": "该事项未暂停办理，无需申请恢复",
}
# The author's message when a reviewer decides: (title, body).
OUTCOME_MESSAGE = {
    "approved": ("{kind}已审核通过", "“{name}”（{code}）已审核通过并发布。"),
    "returned": ("{kind}被退回", "“{name}”（{code}）被退回：{reason}"),
}
# How a field changed, in the reviewer's difference.
CHANGE = {"added": "新增", "removed": "删除", "changed": "修改"}
YES_NO = {True: "是", False: "否"}
