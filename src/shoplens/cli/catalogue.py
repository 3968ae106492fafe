"""``shoplens catalogue update FILE.csv`` and ``shoplens catalogue rename-brand OLD NEW``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from shoplens.cli.common import DbOption, JsonOption, engine_from, out, print_json
from shoplens.errors import InputError
from shoplens.metrics.catalogue import CatalogueUpdate


def _read_changes(path: Path) -> list:
    import pandas as pd

    from shoplens.metrics.catalogue import FIELDS, ProductChange

    if not path.is_file():
        raise InputError("no such file", file=str(path))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"not a CSV file: {exc}", file=str(path)) from None
    if "product_id" not in frame.columns:
        raise InputError("needs a product_id column", file=str(path), field="product_id")
    unknown = [c for c in frame.columns if c != "product_id" and c not in FIELDS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)}; use product_id and any of "
                         f"{', '.join(FIELDS)}", file=str(path), field=unknown[0])
    changes = []
    for line, row in enumerate(frame.to_dict("records"), start=2):
        # a column present sets its field on every row; an empty cell sets it to NULL
        values = {k: (v if v.strip() or k == "category" else None) for k, v in row.items()}
        try:
            changes.append(ProductChange(**values))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise InputError(err["msg"], file=str(path), line=line, field=field) from None
    return changes


def register(app: typer.Typer) -> None:
    catalogue = typer.Typer(help="Change the product catalogue; revenue rollups follow.",
                            no_args_is_help=True)
    app.add_typer(catalogue, name="catalogue")

    def _report(report: CatalogueUpdate, json_out: bool) -> None:
        if json_out:
            print_json(report.model_dump())
            return
        for message in report.messages:
            out.print(escape(message))

    @catalogue.command("update")
    def update_cmd(
        path: Annotated[Path, typer.Argument(help="CSV: product_id and any of category, "
                                                   "brand, price, name.")],
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Set products' category, brand, list price or name (an empty cell: none)."""
        from shoplens.metrics.catalogue import update_catalogue

        changes = _read_changes(path)
        with engine_from(db) as engine:
            _report(update_catalogue(engine, changes), json_out)

    @catalogue.command("rename-brand")
    def rename_cmd(
        old: Annotated[str, typer.Argument(help="Brand as the catalogue spells it now.")],
        new: Annotated[str, typer.Argument(help="New brand name.")],
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Give every product of brand OLD the brand NEW."""
        from shoplens.metrics.catalogue import rename_brand

        with engine_from(db) as engine:
            _report(rename_brand(engine, old, new), json_out)
