"""Data leaving the service: flat feeds for Power BI, the OData v4 service, open data for residents.

A layer above ``reporting``: it reads every feature through their services and repositories, and
nothing below reads it.
"""
