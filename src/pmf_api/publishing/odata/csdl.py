"""``$metadata``: the CSDL XML document describing every registered feed as an entity type and set.

One ``EntityType`` per feed (its key the feed's key, a property per column with the ``Edm`` type
of its :class:`ColumnKind`), one ``EntitySet`` each in the container, and the Capabilities
vocabulary's annotations saying what the service does: it filters (eq, ne, gt, ge, lt, le, and,
or, not, in; contains, startswith, endswith), selects, sorts, counts, takes top and skip; it does
not expand, search, batch, insert, update or delete. Power BI reads these to decide what it may
fold into the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree as ET

from pmf_api.publishing.feeds.definitions import Feed
from pmf_api.publishing.odata.filters import EDM_TYPES, FILTER_FUNCTIONS

NAMESPACE = "PmfApi"
CONTAINER = "Container"
EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
VOCABULARIES = "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/"
CORE = "Org.OData.Core.V1"
CAPABILITIES = "Org.OData.Capabilities.V1"
ET.register_namespace("edmx", EDMX)
ET.register_namespace("", EDM)  # CSDL's elements unprefixed, as clients' examples write them


def metadata_document(feeds: Iterable[Feed]) -> bytes:
    """The CSDL XML of ``feeds``, UTF-8, with its XML declaration."""
    root = ET.Element(f"{{{EDMX}}}Edmx", {"Version": "4.0"})
    for vocabulary, alias in ((CORE, "Core"), (CAPABILITIES, "Capabilities")):
        reference = ET.SubElement(root, f"{{{EDMX}}}Reference", {"Uri": f"{VOCABULARIES}{vocabulary}.xml"})
        ET.SubElement(reference, f"{{{EDMX}}}Include", {"Namespace": vocabulary, "Alias": alias})
    services = ET.SubElement(root, f"{{{EDMX}}}DataServices")
    schema = ET.SubElement(services, f"{{{EDM}}}Schema", {"Namespace": NAMESPACE})
    feeds = sorted(feeds, key=lambda feed: feed.entity_set)
    for feed in feeds:
        _entity_type(schema, feed)
    container = ET.SubElement(schema, f"{{{EDM}}}EntityContainer", {"Name": CONTAINER})
    for feed in feeds:
        entity_set = ET.SubElement(
            container, f"{{{EDM}}}EntitySet", {"Name": feed.entity_set, "EntityType": f"{NAMESPACE}.{feed.entity_type}"}
        )
        _entity_set_capabilities(entity_set, feed)
    _container_capabilities(container)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def _annotation(parent: ET.Element, term: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{EDM}}}Annotation", {"Term": term, **attributes})


def _record(parent: ET.Element, term: str, **properties: bool) -> None:
    record = ET.SubElement(_annotation(parent, term), f"{{{EDM}}}Record")
    for name, value in properties.items():
        ET.SubElement(record, f"{{{EDM}}}PropertyValue", {"Property": name, "Bool": str(value).lower()})


def _entity_type(schema: ET.Element, feed: Feed) -> None:
    entity_type = ET.SubElement(schema, f"{{{EDM}}}EntityType", {"Name": feed.entity_type})
    key = ET.SubElement(entity_type, f"{{{EDM}}}Key")
    for name in feed.key:
        ET.SubElement(key, f"{{{EDM}}}PropertyRef", {"Name": name})
    for column in feed.columns:
        # A key property is never null (CSDL requires it), whatever the column says.
        nullable = column.nullable and column.name not in feed.key
        prop = ET.SubElement(
            entity_type,
            f"{{{EDM}}}Property",
            {"Name": column.name, "Type": EDM_TYPES[column.kind], "Nullable": str(nullable).lower()},
        )
        if EDM_TYPES[column.kind] == "Edm.Decimal":
            prop.set("Scale", "variable")
        _annotation(prop, "Core.Description", String=column.description)
    _annotation(entity_type, "Core.Description", String=feed.description)


def _entity_set_capabilities(entity_set: ET.Element, feed: Feed) -> None:
    _annotation(entity_set, "Core.Description", String=feed.title)
    _annotation(entity_set, "Capabilities.TopSupported", Bool="true")
    _annotation(entity_set, "Capabilities.SkipSupported", Bool="true")
    _record(entity_set, "Capabilities.CountRestrictions", Countable=True)
    _record(entity_set, "Capabilities.FilterRestrictions", Filterable=True)
    _record(entity_set, "Capabilities.SortRestrictions", Sortable=True)
    _record(entity_set, "Capabilities.SelectSupport", Supported=True)
    _record(entity_set, "Capabilities.ExpandRestrictions", Expandable=False)
    _record(entity_set, "Capabilities.SearchRestrictions", Searchable=False)
    _record(entity_set, "Capabilities.InsertRestrictions", Insertable=False)
    _record(entity_set, "Capabilities.UpdateRestrictions", Updatable=False)
    _record(entity_set, "Capabilities.DeleteRestrictions", Deletable=False)


def _container_capabilities(container: ET.Element) -> None:
    _annotation(container, "Capabilities.ConformanceLevel", EnumMember="Capabilities.ConformanceLevelType/Minimal")
    _annotation(container, "Capabilities.BatchSupported", Bool="false")
    _annotation(container, "Capabilities.AsynchronousRequestsSupported", Bool="false")
    functions = ET.SubElement(_annotation(container, "Capabilities.FilterFunctions"), f"{{{EDM}}}Collection")
    for name in FILTER_FUNCTIONS:
        ET.SubElement(functions, f"{{{EDM}}}String").text = name
    ET.SubElement(
        ET.SubElement(_annotation(container, "Capabilities.SupportedFormats"), f"{{{EDM}}}Collection"),
        f"{{{EDM}}}String",
    ).text = "application/json;odata.metadata=minimal"
