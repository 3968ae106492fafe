"""A generated shop shared by the generator tests (written once per session), and a
DuckDB connection with its files as views for checking it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from shoplens.generate import GenerateParams, GenerateSummary, generate

PARAMS = GenerateParams(users=3_000, months=12, seed=7)


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    out = tmp_path_factory.mktemp("shop")
    return out, generate(PARAMS, out)


@pytest.fixture(scope="session")
def shop_dir(shop: tuple[Path, GenerateSummary]) -> Path:
    return shop[0]


@pytest.fixture(scope="session")
def db(shop_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The generated files as DuckDB views (read with explicit types: text ids, as the
    importer stores them)."""
    con = duckdb.connect()
    d = shop_dir
    con.execute(f"""
        CREATE VIEW users AS SELECT * FROM read_csv('{d}/users.csv', header = true,
            columns = {{'user_id': 'VARCHAR', 'signup_date': 'DATE', 'country': 'VARCHAR'}});
        CREATE VIEW products AS SELECT * FROM read_csv('{d}/products.csv', header = true,
            columns = {{'product_id': 'VARCHAR', 'category': 'VARCHAR', 'price': 'DECIMAL(18,2)',
                        'brand': 'VARCHAR', 'name': 'VARCHAR'}});
        CREATE VIEW events AS SELECT * FROM read_csv('{d}/events.csv', header = true,
            columns = {{'user_id': 'VARCHAR', 'event_type': 'VARCHAR', 'product_id': 'VARCHAR',
                        'timestamp': 'TIMESTAMP', 'session_id': 'VARCHAR',
                        'utm_source': 'VARCHAR', 'device': 'VARCHAR'}});
        CREATE VIEW personas AS SELECT * FROM read_csv('{d}/personas.csv', header = true,
            columns = {{'user_id': 'VARCHAR', 'persona': 'VARCHAR'}});
        CREATE VIEW searches AS SELECT * FROM read_json('{d}/search_logs.jsonl',
            format = 'newline_delimited',
            columns = {{'user_id': 'VARCHAR', 'search_query': 'VARCHAR',
                        'clicked_product_ids': 'VARCHAR[]', 'timestamp': 'TIMESTAMP'}});
        CREATE VIEW ev AS
            SELECT e.*, p.category, split_part(p.category, '.', 1) AS top, p.price,
                   pe.persona
            FROM events e JOIN products p USING (product_id) JOIN personas pe USING (user_id);
    """)
    try:
        yield con
    finally:
        con.close()
