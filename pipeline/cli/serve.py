"""``cxmon serve``: the web app and REST API (pipeline.web) on uvicorn."""

from __future__ import annotations

import sys

import click

from pipeline.cli.common import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface: put TLS in front of it).")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="TCP port.")
def serve(host: str, port: int) -> None:
    """Serve the QA workspace and the API (OpenAPI at /openapi.json) until stopped (Ctrl-C)."""
    import uvicorn

    from pipeline.web.app import create_app

    app = create_app(load_settings())
    print(f"cxmon serve: http://{host}:{port}/ (API docs: /openapi.json)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
