"""The OData v4 service (read-only) over the registered feeds, at ``/api/v1/odata``: the service
document, ``$metadata`` (CSDL), and one entity set per feed, for Power BI's ``OData.Feed`` and
Excel's OData import."""
