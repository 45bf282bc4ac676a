"""The `trainright` command line: parse, call the library, print. No logic of its own."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from trainright import __version__
from trainright.adapters.commands import mastodon_command
from trainright.errors import Interrupted, TrainrightError

out = Console()
# Errors are never wrapped by rich: a file path or value split over lines cannot be
# copied or searched for, and the terminal wraps long lines itself.
err = Console(stderr=True, soft_wrap=True)

app = typer.Typer(
    name="trainright",
    help=(
        "Build AI-training datasets from a platform's posts and images lawfully and "
        "provably: objections honoured, consent where required, children protected, "
        "personal data minimised, every right recorded in a tamper-evident ledger.\n\n"
        "Start with `trainright demo`. A real run is: `trainright rights import` the "
        "platform's rights events, then `trainright build` a dataset from a snapshot."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rights_app = typer.Typer(
    help="Record rights events (objections, consents, notices, deletions) in the ledger.",
    no_args_is_help=True,
)
app.add_typer(rights_app, name="rights")
import_app = typer.Typer(
    help="Make a snapshot from a platform's own database (docs/adapters/).", no_args_is_help=True
)
app.add_typer(import_app, name="import")
import_app.command("mastodon")(mastodon_command)

LedgerOpt = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        help="SQLAlchemy URL of the ledger database. Tried in order: this option, "
        "$TRAINRIGHT_LEDGER, then sqlite:///trainright.db.",
        show_default=False,
    ),
]


@contextmanager
def progress_bar() -> Iterator[Any]:
    """A Rich progress bar fed by the library's `progress(stage, advance, total)` callback."""
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False, disable=not err.is_terminal) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, advance: int, total: int | None) -> None:
            task = tasks.get(stage)
            if task is None:
                task = tasks[stage] = bar.add_task(stage, total=total)
            elif total is not None:
                bar.update(task, total=total)
            bar.advance(task, advance)

        yield report


@app.command()
def build(
    snapshot: Annotated[
        Path,
        typer.Option(
            help="Snapshot directory: accounts, posts, media, tags (Parquet, CSV or JSON Lines)."
        ),
    ],
    policy: Annotated[
        Path,
        typer.Option(
            help="Policy TOML (SPEC §4): legal basis, ages, visibility, notices, holds, per region."
        ),
    ],
    cutoff: Annotated[
        str,
        typer.Option(
            help="An instant with its zone, e.g. 2026-06-26T00:00:00Z or ...T02:00:00+02:00: "
            "only events at or before it count. A time without a zone is refused, not guessed."
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", help="New directory for the dataset; must not exist.")
    ],
    ledger: LedgerOpt = None,
    engine: Annotated[
        str, typer.Option(help="Rules engine: duckdb (embedded) or spark (see docs/spark.md).")
    ] = "duckdb",
    spark_master: Annotated[
        str | None,
        typer.Option(
            help="Spark master URL, e.g. spark://host:7077 (default local[*]; spark-submit sets it)."
        ),
    ] = None,
    events: Annotated[
        str | None,
        typer.Option(
            help="Rights events as a `trainright ledger export` Parquet file (any path Spark can "
            "read), so Spark executors never talk to the ledger database."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes for minimisation and the non-user search (default: CPU cores, at most 2)."
        ),
    ] = None,
) -> None:
    """Build a dataset: apply the rules at the cutoff, minimise, write it atomically.

    Needs TRAINRIGHT_SECRET, the key for the `subject` pseudonyms (kept out of the
    dataset). The dataset is entered in the ledger's catalog so `lookup` and
    `impact` can find it later.

    Example: trainright build --snapshot snap/ --policy policy.toml
    --cutoff 2026-06-26T00:00:00Z --out datasets/2026-06
    """
    import duckdb

    from trainright.pipeline import build as run_build

    try:
        with progress_bar() as report:
            result = run_build(
                snapshot,
                policy,
                cutoff,
                out_dir,
                ledger=ledger,
                engine=engine,
                workers=workers,
                progress=report,
                spark_master=spark_master,
                events=events,
            )
    except (KeyboardInterrupt, duckdb.InterruptException, RuntimeError) as exc:
        # DuckDB answers Ctrl-C inside some statements with a bare RuntimeError
        if isinstance(exc, RuntimeError) and str(exc) != "Query interrupted":
            raise
        if out_dir.exists():
            raise Interrupted(
                f"interrupted after the dataset was written to {out_dir}; it may be missing "
                "from the catalog, so build it again into a new directory"
            ) from None
        raise Interrupted("interrupted: nothing was written") from None
    from trainright.summary import print_build_summary

    print_build_summary(out, result.out, result.manifest)


@rights_app.command("import")
def rights_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="JSON Lines: one event per line with account_id, type, at, optional purpose and channel."
        ),
    ],
    ledger: LedgerOpt = None,
) -> None:
    """Import rights events in bulk, all or nothing, keeping each event's `at`.

    Every line is checked first; a bad line stops the import with its line
    number, field and value, and nothing is written. The same file is never
    imported twice.

    Example line: {"account_id": 42, "type": "objection", "at": "2026-05-01T09:30:00Z"}

    A person without an account: {"type": "non_user_objection", "person_ref":
    "nu-7f3a", "at": ..., "names": [...], "emails": [...], "phones": [...],
    "photo_phashes": [...]}; identifiers in clear are hashed with
    TRAINRIGHT_NONUSER_KEY, or give name_hashes / email_hashes / phone_hashes.
    """
    from trainright.ledger import Ledger, import_events

    led = Ledger(ledger)
    result = import_events(led, file)
    out.print(
        f"imported [bold]{result.events}[/] events from {file} "
        f"(ledger seq {result.first_seq}–{result.last_seq}) into {led.url}"
    )


@app.command()
def synth(
    out_dir: Annotated[
        Path, typer.Option("--out", help="New directory for the synthetic snapshot.")
    ],
    accounts: Annotated[int, typer.Option(min=1, help="Number of accounts.")] = 2000,
    posts: Annotated[int, typer.Option(min=0, help="Number of posts.")] = 20000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    objectors: Annotated[
        int | None, typer.Option(min=0, help="Accounts that object (default about 10%).")
    ] = None,
    images: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Distinct JPEG files to write (default: posts/4, at most 500); media rows share them.",
        ),
    ] = None,
) -> None:
    """Make a realistic synthetic platform: a snapshot plus its rights events.

    Writes accounts/posts/media/tags Parquet files, small JPEGs with EXIF and GPS,
    events.jsonl for `trainright rights import`, planted.parquet listing every
    piece of personal data planted in the posts (and the look-alikes that must
    survive minimisation), and copies.parquet listing every post that copies
    another's text, with the reason the default policy gives it.
    """
    from trainright.synth import synthesize

    with progress_bar() as report:
        summary = synthesize(
            out_dir,
            accounts=accounts,
            posts=posts,
            seed=seed,
            objectors=objectors,
            images=images,
            progress=lambda n: report("posts", n, posts),
        )
    out.print(
        f"wrote {summary.accounts:,} accounts, {summary.posts:,} posts, {summary.media:,} media rows "
        f"({summary.images:,} image files), {summary.tags:,} tags and {summary.events:,} rights "
        f"events to [bold]{summary.out}[/]\n"
        f"planted {summary.planted:,} pieces of personal data and {summary.decoys:,} look-alikes "
        f"(listed in planted.parquet) and {summary.copies:,} copied posts (copies.parquet)"
    )


@app.command()
def demo(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", help="Working directory for the demo (replaced if it holds an earlier demo)."
        ),
    ] = Path("demo-output"),
    accounts: Annotated[int, typer.Option(min=10, help="Synthetic accounts.")] = 3000,
    posts: Annotated[int, typer.Option(min=10, help="Synthetic posts.")] = 30000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """The whole story on synthetic data, with the embedded SQLite ledger and DuckDB.

    Synthesises a platform, imports its rights events, builds a dataset under the
    default policy (consent in the EEA, legitimate interest with 30 days' notice
    elsewhere) and shows who is in it and why the rest are not.
    """
    from trainright.demo import run_demo

    with progress_bar() as report:
        result = run_demo(out_dir, accounts=accounts, posts=posts, seed=seed, progress=report)
    from trainright.summary import print_demo_summary

    print_demo_summary(out, result)


models_app = typer.Typer(help="Models trained on trainright datasets.", no_args_is_help=True)
app.add_typer(models_app, name="models")
impact_app = typer.Typer(
    help="The unlearning queue: who objected, withdrew consent or was deleted after a "
    "dataset was built, and which shards of which models to retrain.",
    invoke_without_command=True,
)
app.add_typer(impact_app, name="impact")


@models_app.command("register")
def models_register(
    name: Annotated[str, typer.Argument(help="The model's name, e.g. chat-small.")],
    dataset: Annotated[
        list[str],
        typer.Option(
            "--dataset", help="A dataset directory (or id) it was trained on; repeat for several."
        ),
    ],
    version: Annotated[str, typer.Option(help="Version or training-run label.")] = "",
    run_url: Annotated[str | None, typer.Option(help="Link to the training run.")] = None,
    card: Annotated[
        Path | None,
        typer.Option(
            help="Write the model's training-data statement here (a Hugging Face model card's "
            "dataset section: YAML front matter and markdown)."
        ),
    ] = None,
    ledger: LedgerOpt = None,
) -> None:
    """Register a model against the datasets it was trained on.

    From then on `lookup` names the model for everyone in those datasets, and
    `impact` queues the model's affected shards for retraining when one of them
    objects, withdraws consent or is deleted. A model trained on a `rebuild` of a
    dataset closes the tasks of its earlier versions on the shards rebuilt.
    """
    from trainright.ledger import Ledger
    from trainright.lineage import openlineage, register_model
    from trainright.rebuild import close_retrained

    led = Ledger(ledger)
    entry = register_model(led, name, dataset, version=version, run_url=run_url)
    openlineage.model_registered(led.url.url, entry.name, entry.version, entry.datasets)
    label = f"{entry.name} {entry.version}".strip()
    out.print(f"registered model [bold]{label}[/] trained on {len(entry.datasets)} dataset(s)")
    for task in close_retrained(led, entry.name, entry.version, entry.datasets):
        out.print(f"done: unlearning task {task.task_id} (shard {task.shard})")
    if card is not None:
        from trainright.training.card import write_card

        write_card(led, entry.name, entry.version, list(entry.datasets), card)
        out.print(f"wrote the model card to {card}")


@app.command()
def lookup(
    account_id: Annotated[int, typer.Argument(help="The platform's account id.")],
    ledger: LedgerOpt = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="Snapshot directory: with it, lookup also says whether a build now would use "
            "the account's posts, and why not (the rights service's answer)."
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="Policy TOML for the standing (default: the built-in default policy)."),
    ] = None,
) -> None:
    """Which datasets, shards and models hold this account's data.

    Answered from the catalog's per-shard subject sets; also shows the account's
    rights events and the channel each came through (form, api, gpc, import), so
    an operator can tell why it is (or is not) in a dataset. With --snapshot it
    adds the account's standing: the decision a build at this instant makes.
    """
    from trainright.ledger.existing import open_existing
    from trainright.lineage import lookup as find
    from trainright.summary import print_lookup, print_standing

    led = open_existing(ledger)
    holdings = find(led, account_id)
    print_lookup(out, account_id, holdings, led.events(account_id=account_id))
    from trainright.audit.record import findings
    from trainright.summary import print_repeated

    with led.read() as conn:
        print_repeated(
            out, account_id, findings(conn, sorted({account_id, *(h.account_id for h in holdings)}))
        )
    if snapshot is not None:
        from trainright.rules.standing import load_account_facts, verdict
        from trainright.web.config import policy_from

        rules_of = policy_from(policy).rules_for
        facts = load_account_facts(snapshot).get(account_id)
        rules = rules_of(facts.country if facts else None)
        linked = {account_id: facts.accounts(account_id)} if facts else None
        found = led.standings([account_id], purpose=rules.purpose, linked=linked)[account_id]
        print_standing(out, account_id, verdict(facts, found, rules))


@impact_app.callback()
def impact(
    ctx: typer.Context,
    ledger: LedgerOpt = None,
) -> None:
    """Show the open unlearning tasks, per model: shards to retrain and the accounts behind them.

    Mark one done with `trainright impact done TASK_ID` once the shard is retrained.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = ledger
        return
    from trainright.ledger.existing import open_existing
    from trainright.lineage import compute_impact
    from trainright.summary import print_impact

    print_impact(out, compute_impact(open_existing(ledger)))


@impact_app.command("done")
def impact_done(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="The task's id, as `trainright impact` lists it.")],
    note: Annotated[
        str | None, typer.Option(help="What was done, e.g. the retraining run.")
    ] = None,
    ledger: LedgerOpt = None,
) -> None:
    """Record that a task's shard was retrained; the task stays in the history."""
    from trainright.ledger.existing import open_existing
    from trainright.lineage import mark_done

    task = mark_done(open_existing(ledger or ctx.obj), task_id, note)
    who = f"{task.model[0]} {task.model[1]}".strip() if task.model else "the dataset"
    out.print(
        f"done: shard {task.shard} of dataset {task.dataset_id[:12]} for {who} "
        f"({len(task.accounts)} account(s))"
    )


@app.command()
def rebuild(
    dataset: Annotated[Path, typer.Option(help="The dataset to make a new version of.")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="New directory for the new version; must not exist.")
    ],
    snapshot: Annotated[
        Path, typer.Option(help="The snapshot the dataset was built from (checked by sha256).")
    ],
    policy: Annotated[
        Path, typer.Option(help="The policy the dataset was built with (checked by sha256).")
    ],
    shards: Annotated[
        str | None, typer.Option(help="Shards to rebuild, e.g. 3,17.", show_default=False)
    ] = None,
    from_impact: Annotated[
        str | None,
        typer.Option(help="Rebuild the shards the unlearning queue has open for this model."),
    ] = None,
    ledger: LedgerOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes for minimisation and the non-user search (default: CPU cores, at most 2)."
        ),
    ] = None,
) -> None:
    """Write a new version of a dataset with only the named shards rebuilt.

    The rebuilt shards keep the dataset's content cutoff and apply every rights
    event committed up to now, whatever its `at`; every other shard is
    byte-identical (hard-linked). The new version is entered in the catalog.

    Example: trainright rebuild --dataset datasets/2026-06 --from-impact chat-small
    --snapshot snap/ --policy policy.toml --out datasets/2026-06-r1
    """
    from trainright.rebuild import rebuild as run_rebuild

    result = run_rebuild(
        dataset,
        out_dir,
        snapshot=snapshot,
        policy=policy,
        shards=shards,
        from_impact=from_impact,
        ledger=ledger,
        workers=workers,
    )
    step = result.manifest["rebuild"]
    out.print(
        f"wrote dataset [bold]{result.dataset_id}[/] to {result.out}: shards {step['shards']} "
        f"rebuilt under ledger seq {step['ledger']['seq']}, {step['rows_removed']:,} row(s) "
        f"removed, {step['rows_added']:,} added; parent {step['parent']}"
    )


def _register_extensions() -> None:
    """Command groups that live beside their library code."""
    import importlib

    for module in (
        "trainright.ledger.commands",
        "trainright.web.commands",
        "trainright.notices.commands",
        "trainright.report.commands",
        "trainright.audit.commands",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise
            continue
        mod.register(app)


def version_callback(value: bool) -> None:
    if value:
        out.print(f"trainright {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Build AI-training datasets lawfully and provably."""


_register_extensions()


def main() -> None:
    """Entry point: run the app, turning trainright errors into messages and exit codes.

    Typer itself reports usage errors (exit 2); everything trainright raises on
    purpose carries its exit code; anything else is a bug and says so.
    """
    try:
        app()
    except Interrupted as exc:
        err.print(escape(str(exc)), highlight=False)
        sys.exit(exc.exit_code)
    except TrainrightError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("TRAINRIGHT_DEBUG"):
            raise
        err.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
            "  This is a bug in trainright. Re-run with TRAINRIGHT_DEBUG=1 for details and report it."
        )
        sys.exit(1)
