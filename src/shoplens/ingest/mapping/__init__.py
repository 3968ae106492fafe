"""Declared mappings: any orders or events export loaded through the same validation,
quarantine and sinks as the built-in formats.

>>> from shoplens.ingest.mapping import preset
>>> preset("shopify").fields["order_time"]
'Created at'
"""

from __future__ import annotations

from shoplens.ingest.mapping.plan import plan_mapped
from shoplens.ingest.mapping.presets import preset, preset_names
from shoplens.ingest.mapping.spec import Mapping, mapping_from_dict, parse_map_options, read_mapping

__all__ = ["Mapping", "mapping_from_dict", "parse_map_options", "plan_mapped", "preset",
           "preset_names", "read_mapping"]
