"""``shoplens index-searches``, ``shoplens segment``, ``shoplens search``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table

from shoplens.cli.common import (
    DbOption,
    JsonOption,
    console,
    engine_from,
    literal,
    out,
    params,
    print_json,
)
from shoplens.errors import ConfigError
from shoplens.search.client import SEARCH_ENV

SearchOption = Annotated[
    str | None,
    typer.Option(
        "--search",
        envvar=SEARCH_ENV,
        help="Elasticsearch/OpenSearch URL (http(s)://user:pass@host:9200); "
        "default: a bundled osmem-server for the duration of the command.",
    ),
]


class RichProgress:
    """Stages and bars on stderr for :func:`shoplens.segments.segment`."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: int | None = None

    def stage(self, name: str, total: int | None = None) -> Callable[[int], None]:
        if self.task is not None:
            self.progress.update(
                self.task,
                completed=self.progress.tasks[-1].total or 1,
                total=self.progress.tasks[-1].total or 1,
            )
        task = self.progress.add_task(name, total=total)
        self.task = task
        return lambda n: self.progress.advance(task, n)


@contextmanager
def _progress(enabled: bool = True) -> Iterator[Progress]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not enabled,
    ) as p:
        yield p


def register(app: typer.Typer) -> None:
    app.command("index-searches")(index_searches)
    app.command("segment")(segment_cmd)
    app.command("search")(search_cmd)


def index_searches(
    db: DbOption = None,
    search: SearchOption = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Documents per _bulk request.")
    ] = 2000,
    max_retries: Annotated[
        int, typer.Option("--max-retries", min=0, help="Retries of rejected batches.")
    ] = 3,
    json_out: JsonOption = False,
) -> None:
    """Bulk-index the database's search logs into the search engine's `search_logs` index."""
    from shoplens.search import index_search_logs, search_session
    from shoplens.search.logs import count_search_logs

    with engine_from(db) as engine, search_session(search) as session:
        total = count_search_logs(engine)
        with _progress(not json_out) as p:
            task = p.add_task("indexing search_logs", total=total)
            report = index_search_logs(
                engine,
                session.client,
                batch_size=batch_size,
                max_retries=max_retries,
                on_progress=lambda n: p.advance(task, n),
            )
    doc = {**report.as_dict(), "db_rows": total, "search": session.display_url, "bundled": session.bundled}
    if json_out:
        print_json(doc)
    else:
        out.print(literal(report.summary()))
        if session.bundled:
            console.print(
                "note: indexed into a bundled server that is now stopped; "
                f"pass --search or {SEARCH_ENV} to keep the index"
            )
    if not report.ok:
        raise typer.Exit(1)


def segment_cmd(
    db: DbOption = None,
    search: SearchOption = None,
    k: Annotated[str, typer.Option("--k", help="Number of segments or 'auto'.")] = "auto",
    method: Annotated[str, typer.Option("--method", help="kmeans | gmm | hdbscan")] = "kmeans",
    k_criterion: Annotated[
        str, typer.Option("--k-criterion", help="k-means --k auto: davies_bouldin (default) | silhouette")
    ] = "davies_bouldin",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same segments).")] = 0,
    no_search: Annotated[
        bool, typer.Option("--no-search-history", help="Cluster on database features only.")
    ] = False,
    check_only: Annotated[
        bool, typer.Option("--check", help="Compare the index with the database; exit 1 on any mismatch.")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Segment users by behaviour and search history; write user_segments to the DB and the index."""
    from shoplens.search import search_session
    from shoplens.segments import SegmentParams, check, segment

    if check_only:
        _check(db, search, json_out)
        return
    chosen = params(SegmentParams, k=k, method=method, seed=seed, use_search=not no_search,
                    k_criterion=k_criterion)
    with engine_from(db) as engine, search_session(search) as session, _progress(not json_out) as p:
        result = segment(engine, chosen, search=session, progress=RichProgress(p))
        report = check(engine, session.client) if session.bundled else None
    if json_out:
        doc = result.as_dict()
        doc["search"] = {"url": session.display_url, "bundled": session.bundled}
        print_json(doc)
    else:
        _print_result(result)
        if session.bundled:
            console.print(
                f"note: the bundled search server is stopped; pass --search or {SEARCH_ENV} to "
                "keep the user_segments index (the database keeps user_segments)"
            )
    if result.index_report is not None and not result.index_report.ok:
        console.print(f"[bold red]error:[/] {literal(result.index_report.summary())}")
        raise typer.Exit(1)
    if report is not None and not report.ok:  # pragma: no cover - would be a defect
        raise typer.Exit(1)


def _check(db: str | None, search: str | None, json_out: bool) -> None:
    from shoplens.search import search_session
    from shoplens.segments import check

    if not search and not _env_search():
        raise ConfigError(
            "segment --check needs the search engine that holds the user_segments index: "
            f"pass --search URL or set {SEARCH_ENV} (a bundled server starts empty)"
        )
    with engine_from(db) as engine, search_session(search) as session:
        report = check(engine, session.client)
    if json_out:
        print_json(report.as_dict())
    else:
        table = Table("segment", "database", "index", title="user_segments: database vs index")
        for c in report.counts:
            style = "" if c.db == c.index else "red"
            table.add_row(literal(c.segment), str(c.db), str(c.index), style=style)
        out.print(table)
        out.print(
            f"users: database {report.db_users}, index {report.index_users}; "
            f"missing from index {len(report.missing)}, stale in index {len(report.stale)}"
        )
        if report.missing:
            out.print("missing (first 10): " + literal(", ".join(report.missing[:10])))
        if report.stale:
            out.print("stale (first 10): " + literal(", ".join(report.stale[:10])))
        out.print("OK" if report.ok else "MISMATCH")
    if not report.ok:
        raise typer.Exit(1)


def _env_search() -> str | None:
    from shoplens.search import search_url_from_env

    return search_url_from_env()


def _print_result(result: object) -> None:
    from shoplens.segments import SegmentationResult

    assert isinstance(result, SegmentationResult)
    crit = f", chosen by {result.criterion}" if result.criterion else ""
    out.print(
        f"{len(result.assignments)} users in {result.k} segments "
        f"({literal(result.method)}{literal(crit)}); "
        f"{result.n_searches} searches, {result.n_distinct_queries} distinct queries"
    )
    if result.basis == "purchases":
        out.print("orders only (no clickstream): segmented on purchase behaviour (recency, "
                  "frequency, spend, prices, timing)")
    table = Table("users", "share", "revenue share", "traits", "top queries")
    table.columns.insert(0, Column("segment", no_wrap=True))
    for s in result.segments:
        table.add_row(
            literal(s.name),
            str(s.size),
            f"{s.share_of_users:.1%}",
            f"{s.revenue_share:.1%}",
            literal(", ".join(s.traits[:4])),
            literal(", ".join(s.top_queries[:3])),
        )
    out.print(table)
    rfm = Table("users", "share", "revenue share", title="RFM")
    rfm.columns.insert(0, Column("RFM segment", no_wrap=True))
    for row in result.rfm.itertuples():
        rfm.add_row(literal(row.rfm_segment), str(row.users), f"{row.share_of_users:.1%}",
                    f"{row.revenue_share:.1%}")
    out.print(rfm)


def search_cmd(
    query: Annotated[
        str, typer.Argument(help="Query string, e.g. 'segment:bargain_hunters AND country:FR'.")
    ],
    db: DbOption = None,
    search: SearchOption = None,
    index: Annotated[str, typer.Option("--index", help="Index to search.")] = "user_segments",
    size: Annotated[int, typer.Option("--size", min=0, help="Hits to show.")] = 20,
    json_out: JsonOption = False,
) -> None:
    """Find users by segment and traits in the user_segments index, or searches (query,
    time, clicks) with --index search_logs."""
    from shoplens.search import USER_SEGMENTS, query_string, search_session
    from shoplens.search.indices import SEARCH_LOGS
    from shoplens.segments.sync import index_from_db

    with search_session(search) as session:
        if session.bundled and index == USER_SEGMENTS:
            with engine_from(db) as engine, _progress(not json_out) as p:
                task = p.add_task("indexing user_segments from the database", total=None)
                index_from_db(engine, session.client, on_progress=lambda n: p.advance(task, n))
        elif session.bundled and index == SEARCH_LOGS:
            from shoplens.search.logs import index_search_logs

            with engine_from(db) as engine, _progress(not json_out) as p:
                task = p.add_task("indexing search_logs from the database", total=None)
                index_search_logs(engine, session.client, on_progress=lambda n: p.advance(task, n))
        result = query_string(session.client, query, index=index, size=size)
    if json_out:
        print_json(result.as_dict())
        return
    searches = index == SEARCH_LOGS
    noun = "searches" if searches else "users"
    out.print(f"{result.total} {noun} match {literal(repr(query))}")
    if result.hits:
        wanted = ("user_id", "search_query", "timestamp", "clicked_product_ids") if searches else \
            ("user_id", "segment", "rfm_segment", "country", "monetary", "traits")
        cols = [c for c in wanted if any(c in h for h in result.hits)]
        labels = {"search_query": "query", "timestamp": "time", "clicked_product_ids": "clicks"}
        table = Table(*[labels.get(c, c) for c in cols])
        for h in result.hits:
            table.add_row(
                *[
                    literal(", ".join(map(str, h.get(c) or [])) if isinstance(h.get(c), list)
                            else h.get(c, ""))
                    for c in cols
                ]
            )
        out.print(table)
