"""The two pages: the citizen's personal page (/me) and the enterprise's dedicated page."""
