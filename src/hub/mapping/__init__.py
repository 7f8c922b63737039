"""The mapping engine: declarative files in ``mappings/`` that turn partner documents into
canonical orders, with JMESPath paths and exact decimal functions (mappings/README.md).

    mapping = load_default().get("shopify_order")
    channel_order = mapping.to_order(document, channel="shopify-eu")
"""

from hub.mapping.errors import MappingError
from hub.mapping.mapping import Mapping
from hub.mapping.registry import MappingSet, load_default, mapping_files, mappings_dir, scan_dir

__all__ = [
    "Mapping",
    "MappingError",
    "MappingSet",
    "load_default",
    "mapping_files",
    "mappings_dir",
    "scan_dir",
]
