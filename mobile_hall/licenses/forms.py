"""The public verification form: a token (or the link holding it) to paste, sent by GET."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

# A token is a few hundred characters; a pasted link adds the address.
MAX_PASTE_LENGTH = 5000


class VerifyForm(FlaskForm):
    """The token from a license's QR code; a GET form, so a scanned link opens the result."""

    class Meta:
        csrf = False  # it changes nothing, and a scanned link must work without a session

    token = TextAreaField(
        "证照二维码内容",
        validators=[
            InputRequired("请粘贴二维码内容或核验链接"),
            Length(max=MAX_PASTE_LENGTH, message="内容过长"),
        ],
    )
