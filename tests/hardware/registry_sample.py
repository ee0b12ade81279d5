"""The registry the hardware tests share: one device of each kind (the README's example)."""

from __future__ import annotations

import importlib.util

from hardware.registry import Registry, read_registry
from tests.conftest import require

SAMPLE_YAML = """\
clock_skew_s: 120
desks:
  desk-3: {site: msk-1, operator: op-17}
  desk-4: {site: msk-1}
devices:
  box-3:
    kind: keyboard
    desk: desk-3
    buttons: {KEY_1: good, KEY_2: neutral, KEY_3: bad}
  hid-4:
    kind: hid
    desk: desk-4
    report_id: 1
    vendor_id: 0x16c0
    product_id: 0x27db
    buttons:
      - {byte: 1, mask: 0x01, value: good}
      - {byte: 1, mask: 0x02, value: neutral}
      - {byte: 2, mask: 0x80, value: bad}
  panel-5:
    kind: serial
    desk: desk-4
    port: /dev/ttyUSB0
    checksum: required
    buttons: {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
  box-6:
    kind: serial
    desk: desk-3
    buttons: {G: good, N: neutral, B: bad}
  tab-7:
    kind: http
    desk: desk-3
    token: tok-0123456789abcdef
    secret: sec-0123456789abcdef
    clock_skew_s: 30
"""


def sample_registry() -> Registry:
    return read_registry(SAMPLE_YAML, "devices.yaml")


def require_desk_extra(module: str) -> None:
    """Skip a test that needs a reader's package (``pyserial``: serial, ``hidapi``: hid) when it is
    not installed; fail instead in CI, which installs the ``desk`` extra."""
    require(importlib.util.find_spec(module) is not None, f"{module} absent; pip install -e '.[desk]'")
