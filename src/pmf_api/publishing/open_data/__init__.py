"""Open data for residents: each council's public KPIs and their published values, without credentials.

Seed 003_2a403038ecab8362.txt ("Transparency and accountability") gives the three principles of the
Code of Recommended Practice for Local Authorities on Data Transparency: responding to public demand,
releasing data in open formats available for re-use, and in a timely way. So: JSON and CSV (with CSV
on the Web metadata, for four stars), an accessible page per council, the Open Government Licence v3
in every format, and only what was published (never a draft, submitted, queried or validated value).
"""
