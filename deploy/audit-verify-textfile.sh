#!/bin/sh
# Runs `flask audit verify` and leaves its result for the node exporter's textfile collector:
#   audit-verify-textfile.sh /var/lib/prometheus/node-exporter/mobile_hall_audit.prom
# mobile_hall_audit_chain_ok is 1 when the chain verified and 0 when it did not;
# mobile_hall_audit_chain_verified_timestamp_seconds says when it was checked. The alerts on
# them are in deploy/prometheus/alerts.yml. HALL_FLASK overrides the command (tests).
# Exits with the check's own status, so systemd shows a failed check as a failed unit.
set -u
target="$1"
if ${HALL_FLASK:-/srv/mobile-hall/.venv/bin/flask --app wsgi} audit verify; then
  ok=1 status=0
else
  ok=0 status=1
fi
# Written whole and then renamed, so the collector never reads half a file.
cat > "$target.tmp" <<METRICS
# HELP mobile_hall_audit_chain_ok 1 when flask audit verify found the audit chain intact.
# TYPE mobile_hall_audit_chain_ok gauge
mobile_hall_audit_chain_ok $ok
# HELP mobile_hall_audit_chain_verified_timestamp_seconds When the audit chain was checked.
# TYPE mobile_hall_audit_chain_verified_timestamp_seconds gauge
mobile_hall_audit_chain_verified_timestamp_seconds $(date +%s)
METRICS
mv "$target.tmp" "$target"
exit "$status"
