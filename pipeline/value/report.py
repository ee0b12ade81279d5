"""The value report: CX by value tier or segment, and the value at risk, also by driver.

A customer's value is its CLV when every customer has one, else its revenue
(:func:`features.customer_value.value_basis`). A customer is *at risk* when, in the period:

- ``detractor``: its latest NPS answer is 0-6;
- ``low_csi``: the mean predicted CSI of its contacts is under ``low_csi`` (default 50);
- ``silent_dissatisfied``: one of its desk visits was served without a button press and ended
  dissatisfied (a desk visit is the customer's when the visit's contact names the customer).

Rows by ``tier`` (top, middle, bottom, then all) or ``segment`` (then all): ``customers``, ``value``,
``contacts``, ``answers_nps``, ``nps``, ``csat`` (over the answers of the group's customers),
``womi`` (over the responses that answered NPS and discourage; None where the survey does not ask
it), ``csi_predicted`` (mean over the group's contacts), each risk's customers and value, and
``at_risk_customers``, ``value_at_risk`` (each customer once) and ``value_at_risk_share`` (of the
group's value).

Rows by ``driver``: each reason, failed checklist item and phrase tag seen on at-risk customers:
``at_risk_customers`` with it and the ``value_at_risk`` behind it, its share of all the value at
risk, and ``customers``/``value`` of every customer with it. A customer with two drivers counts under
both, so these rows do not add up to the total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from features import surveys
from features.customer_value import DEFAULT_LOW_CSI, TIERS, share, value_at_risk, value_basis, value_tiers
from pipeline.tables import table
from pipeline.value.collect import CustomerCx
from pipeline.value.files import CustomerValue

BY = ("tier", "segment", "driver")
ALL = "(all)"
NO_SEGMENT = "(no segment)"
RISKS = ("detractor", "low_csi", "silent_dissatisfied")
GROUP_COLUMNS = ("customers", "value", "contacts", "answers_nps", "nps", "womi", "csat", "csi_predicted",
                 "detractor_customers", "detractor_value", "low_csi_customers", "low_csi_value",
                 "silent_dissatisfied_customers", "silent_dissatisfied_value", "at_risk_customers", "value_at_risk",
                 "value_at_risk_share")
DRIVER_COLUMNS = ("driver", "kind", "at_risk_customers", "value_at_risk", "value_at_risk_share", "customers",
                  "value")


def customer_value(values: Sequence[CustomerValue], basis: str) -> dict[str, float]:
    """Each customer's value on ``basis`` (``clv`` or ``revenue``); a customer without a CLV is left out."""
    if basis not in ("clv", "revenue"):
        raise ValueError(f"basis={basis!r}; expected clv or revenue")
    return {v.customer_id: float(v.clv if basis == "clv" else v.revenue) for v in values
            if basis == "revenue" or v.clv is not None}


def risks_of(cx: CustomerCx, *, low_csi: float = DEFAULT_LOW_CSI) -> set[str]:
    """The risks (:data:`RISKS`) a customer's period shows.

    >>> sorted(risks_of(CustomerCx(nps=[2, 9], csi=[40.0, 50.0])))
    ['low_csi']
    >>> sorted(risks_of(CustomerCx(nps=[9, 3], silent_dissatisfied=1)))
    ['detractor', 'silent_dissatisfied']
    """
    found = set()
    if cx.nps and cx.nps[-1] <= 6:
        found.add("detractor")
    if cx.csi and sum(cx.csi) / len(cx.csi) < low_csi:
        found.add("low_csi")
    if cx.silent_dissatisfied:
        found.add("silent_dissatisfied")
    return found


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _group_row(members: Sequence[str], value: Mapping[str, float], cx: Mapping[str, CustomerCx],
               risks: Mapping[str, set[str]]) -> dict[str, Any]:
    nps_values = [v for c in members for v in cx[c].nps]
    csi_values = [v for c in members for v in cx[c].csi]
    total = sum(value[c] for c in members)
    row: dict[str, Any] = {
        "customers": len(members), "value": round(total, 2), "contacts": sum(cx[c].contacts for c in members),
        "answers_nps": len(nps_values), "nps": _round(surveys.nps(nps_values)),
        "womi": _round(surveys.womi([p for c in members for p in cx[c].womi_pairs])),
        "csat": _round(surveys.csat([v for c in members for v in cx[c].csat])),
        "csi_predicted": _round(sum(csi_values) / len(csi_values) if csi_values else None)}
    for risk in RISKS:
        flagged = [c for c in members if risk in risks[c]]
        row[f"{risk}_customers"] = len(flagged)
        row[f"{risk}_value"] = round(value_at_risk(value, flagged), 2)
    at_risk = [c for c in members if risks[c]]
    row["at_risk_customers"] = len(at_risk)
    row["value_at_risk"] = round(value_at_risk(value, at_risk), 2)
    row["value_at_risk_share"] = _round(share(row["value_at_risk"], total), 4)
    return row


def value_report(values: Sequence[CustomerValue], cx: Mapping[str, CustomerCx], *, by: str = "tier",
                 basis: str | None = None, low_csi: float = DEFAULT_LOW_CSI, top_share: float = 0.2,
                 bottom_share: float = 0.2, top_from: float | None = None,
                 bottom_under: float | None = None) -> dict[str, Any]:
    """The report document: ``by``, ``basis``, ``low_csi``, ``tiers`` (how they were cut), ``rows``, ``totals``."""
    if by not in BY:
        raise ValueError(f"by={by!r}; expected one of {', '.join(BY)}")
    basis = basis or value_basis({v.customer_id: v.clv for v in values})
    value = customer_value(values, basis)
    tiers = value_tiers(value, top_share=top_share, bottom_share=bottom_share, top_from=top_from,
                        bottom_under=bottom_under)
    risks = {c: risks_of(cx.get(c) or CustomerCx(), low_csi=low_csi) for c in value}
    cx = {c: cx.get(c) or CustomerCx() for c in value}
    segment = {v.customer_id: v.segment or NO_SEGMENT for v in values}
    everyone = sorted(value)
    rows: list[dict[str, Any]] = []
    if by == "driver":
        total_at_risk = value_at_risk(value, [c for c in everyone if risks[c]])
        holders: dict[str, list[str]] = defaultdict(list)
        for c in everyone:
            for driver in cx[c].drivers:
                holders[driver].append(c)
        for driver, members in holders.items():
            at_risk = [c for c in members if risks[c]]
            if not at_risk:
                continue
            behind = value_at_risk(value, at_risk)
            rows.append({"driver": driver, "kind": driver.split(":", 1)[0], "at_risk_customers": len(at_risk),
                         "value_at_risk": round(behind, 2),
                         "value_at_risk_share": _round(share(behind, total_at_risk), 4),
                         "customers": len(members), "value": round(value_at_risk(value, members), 2)})
        rows.sort(key=lambda r: (-r["value_at_risk"], r["driver"]))
    else:
        key = tiers if by == "tier" else segment
        order = list(TIERS) if by == "tier" else sorted(set(segment.values()), key=lambda s: (s == NO_SEGMENT, s))
        for group in order:
            members = [c for c in everyone if key[c] == group]
            if members or by == "tier":
                rows.append({by: group, **_group_row(members, value, cx, risks)})
        rows.append({by: ALL, **_group_row(everyone, value, cx, risks)})
    cuts = ({"top_from": top_from, "bottom_under": bottom_under} if top_from is not None
            else {"top_share": top_share, "bottom_share": bottom_share})
    return {"by": by, "basis": basis, "low_csi": low_csi, "tiers": cuts, "rows": rows,
            "totals": _group_row(everyone, value, cx, risks)}


def report_columns(by: str) -> list[str]:
    """The columns of the report's rows, in order."""
    return list(DRIVER_COLUMNS) if by == "driver" else [by, *GROUP_COLUMNS]


def _cell(value: Any) -> Any:
    return "-" if value is None else value


def _percent(fraction: float | None) -> str:
    return "-" if fraction is None else f"{100 * fraction:.1f}%"


def format_value_report(report: Mapping[str, Any]) -> str:
    """The report as a plain-text table with a line on the basis and the total value at risk."""
    rows = report["rows"]
    if not report["totals"]["customers"]:
        return "no customer values: import a CRM file with `cxmon value import NAME.customer-value.csv`"
    totals = report["totals"]
    head = (f"value: {report['basis']}; at risk: detractors (latest NPS 0-6), predicted CSI under "
            f"{report['low_csi']:g}, silent dissatisfied desk visits\n"
            f"value at risk: {totals['value_at_risk']:,.2f} of {totals['value']:,.2f} "
            f"({totals['at_risk_customers']} of {totals['customers']} customers)\n")
    if report["by"] == "driver":
        if not rows:
            return head + "no driver seen on the customers at risk"
        body = [[r["driver"], r["at_risk_customers"], f"{r['value_at_risk']:,.2f}", _percent(r["value_at_risk_share"]),
                 r["customers"], f"{r['value']:,.2f}"] for r in rows]
        return head + table(body, ["driver", "at-risk customers", "value at risk", "share of at risk", "customers",
                                   "value"])
    by = report["by"]
    body = [[r[by], r["customers"], f"{r['value']:,.2f}", r["contacts"], _cell(r["nps"]), _cell(r["womi"]),
             _cell(r["csat"]), _cell(r["csi_predicted"]), r["at_risk_customers"], f"{r['value_at_risk']:,.2f}",
             _percent(r["value_at_risk_share"])] for r in rows]
    return head + table(body, [by, "customers", "value", "contacts", "NPS", "WoMI", "CSAT%", "CSI predicted",
                               "at risk", "value at risk", "share"])
