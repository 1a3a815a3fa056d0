"""Chinese labels of the registry's stored values, for the pages (`registry_labels.X`)."""

from .constants import EntryTarget, RecordKind

ENTRY_TARGET = {
    EntryTarget.GROUP: "按事项类别",
    EntryTarget.THEME: "按主题",
    EntryTarget.UNIT: "按部门或镇街",
    EntryTarget.LINK: "外部网站",
}

RECORD_KIND = {
    RecordKind.UNIT: "单位",
    RecordKind.LOCATION: "服务网点",
    RecordKind.FIGURE: "人口和企业数",
    RecordKind.THEME: "主题",
    RecordKind.LICENSE_TYPE: "证照类型",
    RecordKind.ENTRY: "一门式服务入口",
}

# Field names of the records, as the history and the import report show them.
FIELD = {
    "code": "编码",
    "name": "名称",
    "short_name": "简称",
    "level": "层级",
    "parent": "上级单位",
    "credit_code": "统一社会信用代码",
    "address": "地址",
    "hours": "办公时间",
    "phone": "电话",
    "registration_point": "实名注册点",
    "year": "年度",
    "population": "常住人口",
    "enterprise_count": "登记企业数",
    "audience": "服务对象",
    "description": "说明",
    "issuing_unit": "发证单位",
    "holder_type": "持证主体",
    "validity_years": "有效期（年）",
    "target": "入口类型",
    "value": "指向",
    "position": "排序",
}

# The sections of the reference file, as the import's summary names them.
SECTION = {
    "units": "单位",
    "figures": "人口和企业数",
    "themes": "主题",
    "license_types": "证照类型",
    "entries": "一门式服务入口",
}
