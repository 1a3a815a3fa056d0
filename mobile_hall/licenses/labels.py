"""Chinese texts of the license library: states, holders, sources, refusals, the import report."""

from .constants import HolderKind, LicenseSource, LicenseState

STATE = {
    LicenseState.VALID: "有效",
    LicenseState.EXPIRED: "已过期",
    LicenseState.REVOKED: "已注销",
    LicenseState.FORGED: "伪造或无效",
}
HOLDER_KIND = {HolderKind.PERSON: "个人", HolderKind.ENTERPRISE: "企业"}
HOLDER_NUMBER = {HolderKind.PERSON: "身份证件号码", HolderKind.ENTERPRISE: "统一社会信用代码"}
SOURCE = {
    LicenseSource.ISSUED: "网上办事分厅办结签发",
    LicenseSource.IMPORTED: "存量证照转化",
    LicenseSource.API: "部门业务系统签发",
}
LONG_TERM = "长期"

# Why a license was not issued or used (the reason codes of `LicenseRefused`, `LicenseUnusable`).
REFUSED = {
    "id_number": "不是有效的居民身份证号码",
    "credit_code": "不是有效的统一社会信用代码",
    "holder_name": "持证人名称应为 1–200 个字",
    "issuer": "发证单位没有统一社会信用代码",
    "dates": "有效期截止日期早于起始日期",
    "data_field": "含有该证照类型没有的字段",
    "data_length": "字段内容过长（最多 500 个字）",
    "license_type": "该事项没有对应的电子证照类型",
    "license_holder": "无法确定持证主体：企业申请须提供统一社会信用代码",
    "reason": "请填写注销原因",
    "expired": "该证照已过期",
    "revoked": "该证照已注销",
}

# The stock conversion's report (`flask licenses import`): {row} is the line in the file.
IMPORT = {
    "bad_id_number": "不是有效的居民身份证号码",
    "bad_credit_code": "不是有效的统一社会信用代码",
    "unknown_unit": "发证单位代码不存在或该单位没有统一社会信用代码",
    "duplicate": "与证照库中已有的证照重复（同一类型、持证人和内容）：{identifier}",
    "duplicate_in_file": "与本文件第 {row} 行重复",
    "bad_date": "不是有效的日期（应为 YYYY-MM-DD）",
    "dates": "有效期截止日期早于发证日期",
    "missing": "不能为空",
    "too_long": "内容过长（最多 500 个字）",
}
IMPORT_HEADER = {
    "unknown_type": "证照类型代码 {code} 不存在",
    "missing_column": "缺少列「{column}」",
    "unknown_column": "不认识的列「{column}」",
    "repeated_column": "列「{column}」与前面的列重复",
    "empty": "文件为空或没有表头",
    "encoding": "文件不是 UTF-8 编码的 CSV",
}

# What `flask licenses import` prints: its progress bar's label and its last line.
IMPORT_PROGRESS = "导入证照"
IMPORT_SUMMARY = {
    "done": "共 {rows} 行：导入 {imported} 张证照，{refused} 行未导入。",
    "all_or_nothing": "共 {rows} 行，{refused} 行有问题；按 --all-or-nothing 未导入任何证照。",
}

# Why `flask licenses create-api-key` or `revoke-api-key` refused (`ApiKeyRefused`).
API_KEY_REFUSED = {
    "unit": "单位代码不存在",
    "issuer": "该单位没有统一社会信用代码，不能签发证照",
    "scope": "证照类型代码不存在，或该单位不签发任何证照类型",
    "key": "没有以此开头的有效密钥",
    "capability": "未知的接口权限",
}
