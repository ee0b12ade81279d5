"""``cxmon feedback classify | learn | card | report``: customer free text sorted into communication / process /
product / other, with subcategories from a site dictionary and a polarity.

The report is also ``cxmon report feedback`` (the same command under the report group)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.common import EXIT_BAD_INPUT, load_settings, open_configured_store, parse_when, print_json

SOURCE_CHOICES = ("survey", "chat", "desk")


@click.group()
def feedback() -> None:
    """Free-text feedback sorted: survey comments, negative chat messages of customers, desk comments.

    Categories communication / process / product / other; subcategories from the dictionary (YAML,
    {home}/feedback/dictionary.yaml, else the shipped one); polarity complaint / praise / neutral."""


def _dictionary_or_exit(settings, path: Path | None):
    from models.feedback.dictionary import DictionaryError
    from pipeline.feedback.classify import load_sorting

    try:
        return load_sorting(settings, path)
    except DictionaryError as error:
        for line in error.problems[:50]:
            click.echo(line, err=True)
        sys.exit(EXIT_BAD_INPUT)
    except (ValueError, OSError) as error:  # a damaged or half-written site model (npz, card.json)
        click.echo(f"the feedback model cannot be used: {error}; run `cxmon feedback learn` again or remove "
                   f"{settings.home / 'models' / 'feedback'}", err=True)
        sys.exit(EXIT_BAD_INPUT)


@feedback.command("classify")
@click.option("--source", "sources", multiple=True, type=click.Choice(SOURCE_CHOICES),
              help="Only these sources (repeatable; default: all).")
@click.option("--since", help="Only texts from this date or time on (ISO 8601).")
@click.option("--all", "everything", is_flag=True, help="Sort every text again, not only the new ones.")
@click.option("--dictionary", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Dictionary YAML (default: {home}/feedback/dictionary.yaml, else the shipped one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def feedback_classify(sources: tuple[str, ...], since: str | None, everything: bool, dictionary: Path | None,
                      as_json: bool) -> None:
    """Sort the free texts not sorted yet (or sorted by another model or dictionary) and store the results.

    A full run (all sources, no --since) also drops the rows whose text is gone (erased, retained away)."""
    from pipeline.feedback.classify import classify

    settings = load_settings()
    _dictionary_or_exit(settings, dictionary)  # a bad dictionary: FILE:LINE problems, exit 2, before any work
    catalog = open_configured_store().catalog
    result = classify(catalog, settings, sources=tuple(sources) or SOURCE_CHOICES,
                      since=parse_when(since, "--since", settings), everything=everything, dictionary=dictionary,
                      progress=not as_json)
    if as_json:
        print_json(result)
        return
    by = ", ".join(f"{k} {v}" for k, v in sorted(result["by_category"].items())) or "nothing new"
    click.echo(f"{result['texts']} texts: {result['sorted']} sorted ({by}), {result['unchanged']} unchanged, "
               f"{result['dropped']} dropped (text gone)")
    click.echo(f"model: {result['model']}")


@feedback.command("learn")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def feedback_learn(file: Path, as_json: bool) -> None:
    """Add the site's labelled examples of FILE (.csv or .jsonl: text, category[, subcategory]) and retrain.

    The model goes to {home}/models/feedback/ with its card and is used from then on; the next
    `cxmon feedback classify` sorts everything again with it. A bad row refuses the whole file (FILE:LINE, exit 2)."""
    from pipeline.feedback.learn import learn, read_examples_file

    examples, problems = read_examples_file(file)
    if examples is None:
        for line in problems[:50]:
            click.echo(line, err=True)
        more = len(problems) - 50
        click.echo(f"{file}: not learned" + (f" ({more} more problems)" if more > 0 else ""), err=True)
        sys.exit(EXIT_BAD_INPUT)
    settings = load_settings()
    _dictionary_or_exit(settings, None)
    card = learn(settings, examples, progress=not as_json)
    result = {"file": str(file), "examples": len(examples), "site_examples": card["training"]["site_examples"],
              "model_dir": str(settings.home / "models" / "feedback"), "card": card}
    if as_json:
        print_json(result)
        return
    click.echo(f"{file}: {len(examples)} examples; the site model now learns from {result['site_examples']} "
               f"site examples and {card['training']['examples'] - result['site_examples']} seed phrases")
    for label, key in (("labelled tweets", "labelled_tweets"), ("English user turns", "english")):
        measured = card["metrics"].get(key, {})
        if "model" in measured:
            m = measured["model"]
            click.echo(f"{label}: accuracy {m['accuracy']}, macro-F1 {m['macro_f1']}")
    click.echo(f"wrote {result['model_dir']}")


@feedback.command("card")
@click.option("--json", "as_json", is_flag=True, help="Print the whole card as JSON.")
def feedback_card(as_json: bool) -> None:
    """The card of the model in use (the site's when `cxmon feedback learn` made one): data, metrics."""
    from models.feedback.model import load_feedback_model, model_card
    from pipeline.feedback.classify import site_model_dir
    from pipeline.tables import table

    settings = load_settings()
    try:
        _, directory = load_feedback_model(site_model_dir(settings))
        card = model_card(directory)
    except (ValueError, OSError) as error:
        click.echo(f"the feedback model cannot be used: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if as_json:
        print_json(card)
        return
    training = card["training"]
    rows = [["model", f"{card['name']} {card['version']} ({card['created']})"], ["directory", str(directory)],
            ["training", f"{training['examples']} examples ({training['site_examples']} of the site)"],
            ["cv macro-F1", str(card["classifier"]["cv_macro_f1"])]]
    for label, key in (("tweets", "labelled_tweets"), ("english", "english")):
        measured = card["metrics"].get(key)
        if measured is None:  # a card written before the English measurement
            continue
        if "model" in measured:
            for name in ("model", "keyword_baseline", "majority_baseline"):
                m = measured[name]
                rows.append([f"{label}: {name}", f"accuracy {m['accuracy']} {m['accuracy_ci95']}, "
                                                 f"macro-F1 {m['macro_f1']} {m['macro_f1_ci95']}"])
        else:
            rows.append([label, measured.get("skipped", "not measured")])
    rows.append(["retrain", card["retrain"]])
    click.echo(table(rows, ["", ""]))


@feedback.command("report")
@click.option("--by", type=click.Choice(["category", "subcategory", "source"]), default="category", show_default=True)
@click.option("--source", "sources", multiple=True, type=click.Choice(SOURCE_CHOICES), help="Only these sources.")
@click.option("--since", help="From this date or time (ISO 8601).")
@click.option("--until", help="Until this date or time (ISO 8601), excluded.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the files here (default: {home}/reports/feedback).")
@click.option("--no-files", is_flag=True, help="Only print.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def feedback_report(by: str, sources: tuple[str, ...], since: str | None, until: str | None, out_dir: Path | None,
                    no_files: bool, as_json: bool) -> None:
    """Sorted feedback by category, subcategory or source, and the real picture: score band (NPS 0-6/7-8/9-10,
    CSAT 1-3/4/5) x polarity x category, complaints inside good scores, praise inside low ones.

    Files: feedback.csv|parquet|xlsx, feedback_real_picture.csv|parquet|xlsx, feedback.png."""
    from pipeline.feedback.report import feedback_report as build, format_feedback_report, write_feedback_report
    from pipeline.feedback.store import stored_items

    settings = load_settings()
    start, end = parse_when(since, "--since", settings), parse_when(until, "--until", settings)
    if start and end and start >= end:
        raise click.UsageError(f"--since {since} is not before --until {until}")
    items = stored_items(open_configured_store().catalog.engine, since=start, until=end, sources=sources or None)
    report = build(items, by=by)
    paths = [] if no_files else write_feedback_report(report, out_dir or settings.home / "reports" / "feedback")
    if as_json:
        print_json({k: v for k, v in report.items() if k != "columns"} | {"files": [str(p) for p in paths]})
        return
    click.echo(format_feedback_report(report))
    for path in paths:
        click.echo(f"wrote {path}")
