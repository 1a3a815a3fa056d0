"""`make bench`: the hall under gunicorn on a synthetic dataset, driven by wrk.

See docs/performance.md.
"""
