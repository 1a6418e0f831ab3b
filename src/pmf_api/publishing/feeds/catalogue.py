"""Every feed, registered by importing the module that defines it.

Routes and the OData service import this module, never a feed module directly, so a new feed
module is added here once (one import per line, kept sorted) and is then served everywhere.
"""

from pmf_api.publishing.feeds import (
    definitions,
    kpis,  # noqa: F401
)

FEEDS = definitions.FEEDS

__all__ = ["FEEDS"]
