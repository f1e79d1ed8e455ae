"""The Grafana dashboard and the alert rules in docs/metrics/ name only metrics that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from cadence import metrics

ROOT = Path(__file__).resolve().parents[2]
SDK = {  # read off a worker's /metrics on the embedded dev server (counters with the _total suffix)
    "temporal_workflow_task_schedule_to_start_latency", "temporal_activity_schedule_to_start_latency",
    "temporal_worker_task_slots_available", "temporal_sticky_cache_size", "temporal_num_pollers",
    "temporal_workflow_task_execution_failed_total", "temporal_activity_execution_failed_total",
}
OURS = {f"{name}_total" for name in metrics.NAMES}
FUNCTIONS = {"sum", "by", "increase", "rate", "histogram_quantile", "clamp_min", "absent", "or", "le"}


def _metrics_in(expr: str) -> set[str]:
    no_labels = re.sub(r"\{[^}]*\}", "", expr)
    no_ranges = re.sub(r"\[[^\]]*\]", "", no_labels)
    names = set(re.findall(r"[a-z_][a-z0-9_]*", no_ranges)) - FUNCTIONS
    return {re.sub(r"_bucket$", "", n) for n in names if n.startswith(("cadence_", "temporal_"))}


def test_dashboard_expressions_name_real_metrics() -> None:
    dashboard = json.loads((ROOT / "docs" / "metrics" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 10
    used = set().union(*map(_metrics_in, exprs))
    assert used <= OURS | SDK, used - OURS - SDK
    assert OURS <= used  # every cadence metric is on the dashboard
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_alert_rules_are_well_formed_and_name_real_metrics() -> None:
    rules = yaml.safe_load((ROOT / "docs" / "metrics" / "alerts.yml").read_text())["groups"][0]["rules"]
    assert len(rules) >= 6
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"Cadence[A-Za-z]+", rule["alert"]) and rule["labels"]["severity"] in ("page", "ticket")
        assert rule["annotations"]["summary"]
        used = _metrics_in(rule["expr"])
        assert used and used <= OURS | SDK, (rule["alert"], used - OURS - SDK)
