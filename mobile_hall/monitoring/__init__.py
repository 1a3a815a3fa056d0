"""The district office's assessment: 三率一数 against the plan's targets (monitoring.md)."""
