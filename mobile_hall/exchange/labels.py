"""Chinese labels of the exchange's pages and commands."""

from __future__ import annotations

STATUS = {
    "backlog": "待推送记录",
    "oldest": "最早待推送记录产生于",
    "oldest_age": "已等待",
    "last_success": "最近一次推送成功",
    "last_error": "最近一次推送失败",
    "failures": "连续失败次数",
    "next_attempt": "下次重试时间",
    "by_day": "每日推送条数",
}
NEVER = "无"
RETRIED = "已安排立即重试"
NOT_CONFIGURED = "未配置 PROVINCE_EXCHANGE_URL 或 PROVINCE_EXCHANGE_SECRET，无法推送。"
