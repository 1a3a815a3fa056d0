"""Chinese texts of the API: problem titles and details, capabilities, the key page."""

from __future__ import annotations

from .constants import Capability

CAPABILITY = {
    Capability.APPLICATIONS: "办件：拉取本单位事项的申请、回传办理环节",
    Capability.LICENSES: "证照：签发、注销、查询本单位的证照",
    Capability.FULL_RECORD: "完整申请人信息：明文证件号码和电话（每次调用留痕）",
    Capability.EXCHANGE_RECORDS: "过程数据：拉取全区办件过程记录",
}
# Problem codes (the last part of each problem's `type`) → what the department is told.
PROBLEM = {
    "unauthorized": "缺少有效的接口密钥，或密钥已停用",
    "forbidden": "该密钥无权调用此接口",
    "not_found": "未找到该办件，或不属于本密钥可办理的事项",
    "illegal_transition": "该办件当前状态不允许此操作",
    "invalid": "请求内容不符合接口要求",
    "refused": "请求被拒绝",
    "idempotency_key_missing": "每个写入请求都须带 Idempotency-Key 请求头",
    "idempotency_key_reused": "该 Idempotency-Key 已用于内容不同的请求",
    "idempotency_in_progress": "使用该 Idempotency-Key 的请求正在处理中，请稍后重试",
    "link_expired": "文件下载链接无效或已过期，请重新拉取办件",
    "bad_request": "请求格式有误",
    "method_not_allowed": "不支持该请求方法",
    "too_many_requests": "请求过于频繁，请稍后再试",
    "unsupported_media_type": "请求内容须为 JSON",
    "error": "请求无法处理",
}
# The workbench's refusal codes (ValueError) as the API explains them.
REFUSAL = {
    "tolerance": "该事项不允许容缺受理，或未给出补交期限",
    "tolerance_deadline": "补交期限须晚于今天，且不超过承诺办结期限",
    "reason": "请写明理由",
    "items": "请列出需要补正的材料，并逐项写明原因",
    "opinion": "请填写审查意见",
    "delivery": "本事项不提供该送达方式",
}
KEY_REFUSED = {
    "unit": "单位代码不存在",
    "issuer": "该单位没有统一社会信用代码，不能签发证照",
    "scope": "该单位没有可办理的事项或可签发的证照类型",
    "capability": "未知的接口权限",
    "key": "没有以此开头的有效密钥",
}
