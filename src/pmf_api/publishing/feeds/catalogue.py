"""Every feed, registered by importing the module that defines it.

Routes and the OData service import this module, never a feed module directly, so a new feed
module is added here once (one name in the import, kept sorted) and is then served everywhere.
"""

from pmf_api.publishing.feeds import (  # noqa: F401
    assurance_records,
    benchmarks,
    definitions,
    kpi_values,
    kpis,
    records,
)

FEEDS = definitions.FEEDS

__all__ = ["FEEDS"]
