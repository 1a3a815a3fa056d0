"""QR codes as inline SVG (segno): drawn on the server, no script, no image from elsewhere."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str, title: str) -> Markup:
    """An SVG QR code of ``text`` for inlining in a page; it scales to its container's width.

    Error correction M; a dark-on-white code with the standard four-module quiet zone, so that
    it scans from a phone screen in dark mode too.
    """
    code = segno.make(text, error="m", micro=False)
    svg = code.svg_inline(
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        title=title,
        svgclass="qr",
        lineclass=None,
    )
    # segno writes the markup itself and escapes `text` and `title` in it.
    return Markup(svg)  # noqa: S704  # nosec B704
