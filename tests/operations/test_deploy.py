"""The operator's side: the audit check's textfile metric and the alert rules' metric names."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
TEXTFILE_METRICS = {
    "mobile_hall_audit_chain_ok",
    "mobile_hall_audit_chain_verified_timestamp_seconds",
}


def _check_audit(tmp_path: Path, command: str) -> tuple[int, dict[str, float]]:
    target = tmp_path / "mobile_hall_audit.prom"
    finished = subprocess.run(  # noqa: S603 - the repository's own script
        ["/bin/sh", str(DEPLOY / "audit-verify-textfile.sh"), str(target)],
        env={"PATH": "/usr/bin:/bin", "HALL_FLASK": command},
        check=False,
    )
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(target.read_text())
        for sample in family.samples
    }
    return finished.returncode, samples


@pytest.mark.parametrize(("command", "ok"), [("true", 1.0), ("false", 0.0)])
def test_the_audit_check_leaves_its_result_for_the_textfile_collector(tmp_path, command, ok):
    status, samples = _check_audit(tmp_path, command)
    assert status == (0 if ok else 1)
    assert samples["mobile_hall_audit_chain_ok"] == ok
    assert samples["mobile_hall_audit_chain_verified_timestamp_seconds"] > 0
    assert not (tmp_path / "mobile_hall_audit.prom.tmp").exists()


def _series_names(family) -> set[str]:
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    return {family.name + suffix for suffix in suffixes.get(family.type, ("",))}


def test_every_metric_the_alert_rules_read_is_one_the_hall_or_its_audit_check_writes(app):
    rules = (DEPLOY / "prometheus" / "alerts.yml").read_text()
    expressions = "\n".join(line.split("#")[0] for line in rules.splitlines())
    read = set(re.findall(r"\bmobile_hall_[a-z_]+", expressions))
    written = TEXTFILE_METRICS.union(*(_series_names(f) for f in REGISTRY.collect()))
    assert read and read <= written, read - written


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool (Debian: prometheus)")
def test_the_alert_rules_pass_their_promtool_unit_tests():
    finished = subprocess.run(  # noqa: S603 - Debian's promtool on the repository's rules
        [shutil.which("promtool") or "promtool", "test", "rules", "alerts_test.yml"],
        cwd=DEPLOY / "prometheus",
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
