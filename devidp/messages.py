"""Texts shown to people on the provider's pages (Chinese), kept out of the logic."""

MISSING_USERNAME = "请输入账号"
MISSING_PASSWORD = "请输入密码"  # noqa: S105 - a message, not a password
BAD_CREDENTIALS = "账号或密码不正确，请重新输入"
EXPIRED_FORM = "页面已过期，请重新输入密码后登录"
BAD_AUTHORIZATION_REQUEST = "应用发来的登录请求无效，无法继续"
BAD_LOGOUT_REQUEST = "应用发来的退出请求无效，无法继续"

USER_TYPES = {"person": "自然人", "legal_person": "法人"}
