#!/usr/bin/env bash
# Monitoring probe: exit 0 healthy, 1 unhealthy, 3 a dependency unreachable;
# prints the failing checks' names for the alert text.
set -u
out=$(novafeed --json doctor)
rc=$?
if [ $rc -ne 0 ]; then
  printf '%s\n' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(", ".join(c["name"] for c in (d if isinstance(d, list) else d["checks"]) if c["status"] != "ok"))'
fi
exit $rc
