"""The `hashtide` typer application every command module registers on."""

import typer

app = typer.Typer(
    name="hashtide",
    help="Observe hashtag movements: ingest real post formats, find what trends where, "
    "tell a campaign's story.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
export_app = typer.Typer(help="Write corpus tables for other tools (pandas, Excel, Gephi).", no_args_is_help=True)
app.add_typer(export_app, name="export")
