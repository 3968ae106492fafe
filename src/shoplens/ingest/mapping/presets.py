"""Mapping presets for common platforms' exports, one YAML file each in ``platforms/``.

``shopify``, ``woocommerce``, ``magento``, ``bigcommerce`` (orders exports), ``ga4``
(BigQuery export), ``segment``, ``rudderstack``, ``snowplow`` (event dumps) and
``transactions`` (customer, date, quantity, amount). A preset is a mapping like any
other: ``--map`` overrides its fields, and a mapping file may start from one
(``preset: shopify``). A preset's ``signature`` lists columns only that platform writes
(``--describe`` proposes it only for a file that has them).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from shoplens.errors import ConfigError
from shoplens.ingest.mapping.spec import Mapping


@cache
def documents() -> dict[str, dict[str, object]]:
    """Every preset's YAML document, by name."""
    folder = resources.files("shoplens.ingest.mapping") / "platforms"
    return {p.name.removesuffix(".yaml"): yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in folder.iterdir() if p.name.endswith(".yaml")}


def preset_names() -> list[str]:
    return sorted(documents())


def preset(name: str) -> Mapping:
    """The preset ``name``; an unknown name is a ConfigError listing the known ones."""
    doc = documents().get(name.lower().strip())
    if doc is None:
        raise ConfigError(f"unknown preset {name!r}: use one of {', '.join(preset_names())}")
    fields = {k: v for k, v in doc.items() if k != "signature"}
    return Mapping.model_validate({**fields, "preset": name.lower().strip()})
