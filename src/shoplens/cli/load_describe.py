"""The declared-mapping side of ``shoplens load``: options into a mapping, and
``--describe``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from rich.markup import escape

from shoplens.cli.common import console, out, print_json
from shoplens.errors import ConfigError

if TYPE_CHECKING:
    from shoplens.cli.load import LoadParams
    from shoplens.ingest.mapping import Mapping


def mapping_of(params: LoadParams) -> Mapping | None:
    """The mapping the options declare, or None for the built-in formats."""
    from shoplens.ingest.mapping import Mapping, parse_map_options, preset, read_mapping

    declared = params.format in ("orders", "events")
    if not (declared or params.maps or params.mapping or params.preset):
        return None
    if params.mapping and params.preset:
        raise ConfigError("give --mapping or --preset, not both (a mapping file may start "
                          "from a preset with 'preset: NAME')")
    if params.mapping:
        base = read_mapping(params.mapping)
    elif params.preset:
        base = preset(params.preset)
    elif declared:
        base = Mapping.model_construct(format=params.format, fields={})
    else:
        raise ConfigError("--map needs --format orders or --format events (or --mapping, "
                          "--preset)")
    if declared and base.format != params.format:
        raise ConfigError(f"--format {params.format} but the mapping is for {base.format}")
    if params.format not in ("auto", "orders", "events"):
        raise ConfigError(f"--format {params.format} is a built-in layout; a mapping loads "
                          "--format orders or events")
    doc = base.model_dump(exclude_unset=True)
    doc.update(format=base.format, fields={**base.fields, **parse_map_options(params.maps)})
    return Mapping.model_validate(doc).check()


def run_describe(paths: list[Path], as_json: bool) -> None:
    from shoplens.ingest.mapping.describe import describe_file

    if len(paths) != 1:
        raise ConfigError("--describe takes one file")
    prop = describe_file(paths[0])
    if as_json:
        print_json({"path": prop.path, "reading": prop.reading, "columns": prop.columns,
                    "mapping": prop.mapping, "notes": prop.notes, "sample": prop.sample})
        return
    console.print(f"{escape(prop.path)}: {escape(prop.reading)}; columns: "
                  f"{escape(', '.join(prop.columns))}", highlight=False, soft_wrap=True)
    for note in prop.notes:
        console.print(f"note: {escape(note)}", highlight=False, soft_wrap=True)
    console.print("proposed mapping (save as mapping.yml, check it, then "
                  "`shoplens load FILE --mapping mapping.yml`):", highlight=False)
    out.print(escape(yaml.safe_dump(prop.mapping, sort_keys=False, allow_unicode=True)),
              highlight=False, end="")
