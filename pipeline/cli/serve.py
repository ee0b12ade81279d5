"""``cxmon serve``: the web app and REST API (pipeline.web) on uvicorn."""

from __future__ import annotations

import sys

import click

from pipeline.cli.common import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface: put TLS in front of it).")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="TCP port.")
@click.option("--trusted-proxy", "trusted_proxies", default="127.0.0.1", show_default=True,
              help="Addresses (comma-separated) of the reverse proxy in front of cxmon whose X-Forwarded-For and "
                   "X-Forwarded-Proto are believed: the client address then counts for the sign-in limit, and https "
                   "marks the session cookie Secure. Requests from anywhere else are taken as they come.")
def serve(host: str, port: int, trusted_proxies: str) -> None:
    """Serve the QA workspace and the API (OpenAPI at /openapi.json) until stopped (Ctrl-C)."""
    import uvicorn

    from pipeline.web.app import create_app

    app = create_app(load_settings())
    print(f"cxmon serve: http://{host}:{port}/ (API docs: /openapi.json)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True,
                forwarded_allow_ips=trusted_proxies)
