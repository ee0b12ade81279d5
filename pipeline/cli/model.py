"""``cxmon model card | train``: the shipped models' cards (data, metrics) and how to retrain them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import load_settings, print_json
from pipeline.tables import table


@click.group()
def model() -> None:
    """Shipped models: their cards (data, metrics) and how to retrain them."""


def _csi_card_rows(card: dict[str, Any]) -> list[list[str]]:
    rows = [["model", f"{card.get('name')} {card.get('version', '')} ({card.get('created')})".replace("  ", " ")],
            ["features", ", ".join(card["features"]["names"] if isinstance(card["features"], dict) else card["features"])]]
    for scheme, figures in card["metrics"].items():
        pooled = figures.get("pooled") or figures.get("cv") or {}
        if pooled:
            auc = pooled.get("auc_below_mid")
            rows.append([scheme, f"{pooled['n']} contacts: Spearman {pooled['spearman']:.3f}, MAE {pooled['mae_csi']:.1f} "
                                 f"CSI points (constant: {pooled['mae_constant_csi']:.1f})"
                                 + (f", AUC below mid {auc:.2f}" if auc is not None else "")])
    rows.append(["retrain", card.get("retrain", "")])
    return rows


def _sentiment_card_rows(card: dict[str, Any]) -> list[list[str]]:
    heldout = card["metrics"]["heldout"]
    rows = [["model", f"{card['name']} {card['version']} ({card['created']})"],
            ["features", card["features"] if isinstance(card["features"], str) else json.dumps(card["features"])[:100]],
            ["held-out", f"{heldout['n']} texts: macro-F1 {heldout['macro_f1']:.3f}, accuracy {heldout['accuracy']:.3f}"]]
    rows += [[f"F1 {label}", f"{values['f1']:.3f}"] for label, values in heldout["per_class"].items()]
    rows += [[f"held-out {name}", f"{d['n']} texts: macro-F1 {d['macro_f1']:.3f}, accuracy {d['accuracy']:.3f}"]
             for name, d in card["metrics"].get("by_domain", {}).items()]
    english = card.get("english", {})
    for sample in ("natural", "balanced"):
        if sample in english:
            figures = english[sample]
            rows.append([f"en {sample}", f"{figures['n']} USS user turns: macro-F1 classifier "
                         f"{figures['classifier']['macro_f1']:.3f}, VADER {figures['vader']['macro_f1']:.3f}"])
    if english:
        rows.append(["en default", english["default"]])
    rows.append(["retrain", card["retrain"]])
    return rows


@model.command("card")
@click.argument("name", type=click.Choice(["sentiment", "csi", "feedback"]))
@click.option("--json", "as_json", is_flag=True, help="Print the whole card as JSON.")
@click.pass_context
def model_card(ctx: click.Context, name: str, as_json: bool) -> None:
    """Print a model's card: what it was trained on and how well it did on held-out data."""
    if name == "feedback":  # the site's model when `cxmon feedback learn` made one, else the shipped one
        from pipeline.cli.feedback import feedback_card

        ctx.invoke(feedback_card, as_json=as_json)
        return
    if name == "csi":
        from pipeline.csi.stage import csi_model

        card = csi_model(load_settings()).card
        rows = _csi_card_rows
    else:
        from models.sentiment import sentiment_card

        card = sentiment_card()
        rows = _sentiment_card_rows
    if as_json:
        print_json(card)
    else:
        click.echo(table(rows(card), ["", name]))


@model.command("train", context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("name", type=click.Choice(["sentiment", "csi", "csi-uss", "feedback"]))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def model_train(name: str, args: tuple[str, ...]) -> None:
    """Retrain a model.

    \b
    sentiment [DATA.xml] [--out DIR] [--limit N]   the shipped sentiment model (--help for all)
    csi [--out DIR]                                 CSI on this site's surveyed contacts (default
                                                    {home}/models/csi; then set csi_model_dir)
    csi-uss [--uss DIR] [--out DIR]                 the shipped CSI model, on the USS dialogues
    feedback [--out DIR] [--tweets FILE.xml]        the shipped feedback model, on its seed phrases
    """
    if name == "sentiment":
        from models.sentiment.train import main as train_main

        sys.exit(train_main(list(args)))
    if name == "csi-uss":
        from models.csi.train import main as train_main

        sys.exit(train_main(list(args)))
    if name == "feedback":
        from models.feedback.train import main as train_main

        sys.exit(train_main(list(args)))
    _train_site_csi(list(args))


def _train_site_csi(args: list[str]) -> None:
    from flows.train import train_csi  # the CLI is the outermost edge: it may start flows

    if args not in ([], ) and not (len(args) == 2 and args[0] == "--out"):
        raise click.UsageError(f"cxmon model train csi [--out DIR]; got {' '.join(args)}")
    settings = load_settings()
    out_dir = Path(args[1]) if args else settings.home / "models" / "csi"
    try:
        card = train_csi(str(out_dir))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(table(_csi_card_rows(card), ["", "csi"]))
    click.echo(f"wrote {out_dir}; to use it: csi_model_dir = \"{out_dir}\" in cxmon.toml (or CXMON_CSI_MODEL_DIR)")
