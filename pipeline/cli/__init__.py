"""``cxmon VERB ...``: JSON to stdout with ``--json``, tables otherwise, logs to stderr.

Exit status: 0 ok, 1 something failed (the rest of the batch still went through), 2 bad input.
One module per command group; each is attached to :func:`main` here. A command imports what
touches the store, the models or the flows when it runs, so ``cxmon --help`` stays fast.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from pipeline.cli.alarms import alarms
from pipeline.cli.analyze import analyze
from pipeline.cli.campaigns import campaigns
from pipeline.cli.campaign_results import campaigns_report
from pipeline.cli.checklist import checklist
from pipeline.cli.contacts import config, errors, ingest, list_contacts, process, retry, show
from pipeline.cli.demo import demo
from pipeline.cli.desk import desk
from pipeline.cli.devices import devices
from pipeline.cli.employees import employees, employees_report
from pipeline.cli.drivers_report import drivers
from pipeline.cli.model import model
from pipeline.cli.mystery import mystery, mystery_report
from pipeline.cli.erase import erase, retention
from pipeline.cli.flows import flows
from pipeline.cli.pickup import pickup
from pipeline.cli.process_report import process_report
from pipeline.cli.review import review
from pipeline.cli.serve import serve
from pipeline.cli.status import status
from pipeline.cli.surveys import report, surveys
from pipeline.cli.users import users
from pipeline.cli.value import value, value_report
from pipeline.cli.feedback import feedback, feedback_report


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML settings file (default: $CXMON_CONFIG, else ./cxmon.toml).")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """cxmon: quality monitoring for contact centres, offline."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if not verbose:  # the S3 client's "Retrying ..." lines: an outage gets one line of ours instead
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    if config_path is not None:  # for this command (and what it starts), not after it: main() may run in-process
        before = os.environ.get("CXMON_CONFIG")
        os.environ["CXMON_CONFIG"] = str(config_path)
        ctx.call_on_close(lambda: os.environ.__setitem__("CXMON_CONFIG", before) if before is not None
                          else os.environ.pop("CXMON_CONFIG", None))


main.add_command(config)
main.add_command(ingest)
main.add_command(process)
main.add_command(retry)
main.add_command(list_contacts)
main.add_command(show)
main.add_command(analyze)
main.add_command(errors)
main.add_command(model)
main.add_command(demo)
main.add_command(surveys)
main.add_command(campaigns)
report.add_command(process_report)
report.add_command(employees_report, "employees")  # `cxmon report employees` = `cxmon employees report`
report.add_command(drivers)
report.add_command(campaigns_report)  # `cxmon report campaigns`: campaign results as report files
report.add_command(mystery_report, "mystery")  # `cxmon report mystery` = `cxmon mystery report`
main.add_command(report)
main.add_command(employees)
main.add_command(mystery)
report.add_command(value_report, "value")  # `cxmon report value` = `cxmon value report`
main.add_command(value)
report.add_command(feedback_report, "feedback")  # `cxmon report feedback` = `cxmon feedback report`
main.add_command(feedback)
main.add_command(checklist)
main.add_command(alarms)
main.add_command(review)
main.add_command(devices)
main.add_command(desk)
main.add_command(users)
main.add_command(serve)
main.add_command(pickup)
main.add_command(erase)
main.add_command(retention)
main.add_command(flows)
main.add_command(status)
