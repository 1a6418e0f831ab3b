"""The demo council, Northdale District Council: its structure, plans, KPIs and three years of history."""

from pmf_api.demo.council import DEMO_ORGANISATION_CODE, demo_grant, demo_people, load_demo

__all__ = ["DEMO_ORGANISATION_CODE", "demo_grant", "demo_people", "load_demo"]
