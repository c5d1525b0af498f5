#!/usr/bin/env bash
# The latency gate a CI job runs: the whole local stack, the main job (serve with ingest and
# jobs, demo data) in the background, then `novafeed latency` against it. Exit status: the
# gate's (0 passed, 1 failed naming the path, figure and slowest stage, 3 a dependency
# unreachable). The JSON report is left in $REPORT for the CI to keep as an artifact.
#
#   examples/ci/latency-gate.sh                   # SPEC §6 goals: events p95 1 s, cdc p95 2 s
#   GATE=p95=5s examples/ci/latency-gate.sh       # the plan's floor
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
GATE=${GATE:-events.p95=1s,cdc.p95=2s}
SAMPLES=${SAMPLES:-20}
REPORT=${REPORT:-$root/latency-report.json}
LISTEN=${NOVAFEED_LISTEN:-127.0.0.1:8080}
novafeed=${NOVAFEED_BIN:-$root/build/novafeed}

"$root/scripts/stack" up >&2
# The main job (README): builds, applies schemas and the connector, seeds demo data once,
# then serves with ingest and jobs. Its log is kept beside the report.
NOVAFEED_LISTEN=$LISTEN "$root/scripts/run" >"$REPORT.run.log" 2>&1 &
run_pid=$!
trap 'kill "$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true' EXIT

set -a
# shellcheck disable=SC1091
. "${NOVAFEED_STACK_DIR:-$root/.stack}/env"
set +a
# Ready when serve answers /readyz (the first build on a fresh machine takes a while).
for _ in $(seq 1 1800); do
  curl -fsS "http://$LISTEN/readyz" >/dev/null 2>&1 && break
  kill -0 "$run_pid" 2>/dev/null || { echo "latency-gate: the main job exited; its log:" >&2; tail -50 "$REPORT.run.log" >&2; exit 3; }
  sleep 1
done

rc=0
"$novafeed" --json latency --samples "$SAMPLES" --gate "$GATE" --api "http://$LISTEN" >"$REPORT" || rc=$?
# The human summary in the CI log, from the same run.
jq -r '.paths[] | "\(.path): p50 \(.end_to_end.p50_ms | floor) ms, p95 \(.end_to_end.p95_ms | floor) ms, p99 \(.end_to_end.p99_ms | floor) ms, failed \(.failed)"' "$REPORT" || true
jq -r '.failures[]' "$REPORT" >&2 || true
exit "$rc"
