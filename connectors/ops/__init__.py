"""Dashboards: the operators' /ops/ pages, server-rendered charts, /metrics and demo data."""
