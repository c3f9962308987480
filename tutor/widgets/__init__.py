"""Reusable widgets: the figure chart, a lab, a check."""
