#!/usr/bin/env bash
# Every alert in the rules file has a promtool test case in which it fires.
#
# Not by reading the tests, by breaking the rules: for each alert, a copy of the rules
# with that alert renamed (so it can never fire under its name) must make
# `promtool test rules` fail. If the tests still pass, no test expected that alert to
# fire, and a new rule without a firing test fails here. The untouched rules must pass
# first, or every mutant would "fail" for nothing.
# Usage: check_alert_tests.sh RULES_FILE TEST_FILE...
#        (the test files live under the rules file's directory and name it relatively,
#        e.g. rule_files: [../novafeed-rules.yml])
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 RULES_FILE TEST_FILE..." >&2
  exit 2
fi
command -v promtool >/dev/null || { echo "check_alert_tests: promtool is not installed (Debian's prometheus package; scripts/test installs it)" >&2; exit 1; }
rules=$(realpath "$1")
shift
base=$(dirname "$rules")
tests=()
for t in "$@"; do
  t=$(realpath "$t")
  [[ $t == "$base"/* ]] || { echo "check_alert_tests: $t is not under $base" >&2; exit 2; }
  tests+=("${t#"$base"/}")
done

mapfile -t alerts < <(sed -n 's/^[[:space:]]*- alert:[[:space:]]*\([A-Za-z0-9_]*\)[[:space:]]*$/\1/p' "$rules")
((${#alerts[@]} > 0)) || { echo "check_alert_tests: no '- alert: Name' line in $rules" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$base/." "$work/"
copy="$work/${rules#"$base"/}"

run_tests() { (cd "$work" && promtool test rules "$@" >"$work/.out" 2>&1); }

if ! run_tests "${tests[@]}"; then
  cat "$work/.out" >&2
  echo "check_alert_tests: the tests fail on the rules as they are; fix that first" >&2
  exit 1
fi

untested=()
for alert in "${alerts[@]}"; do
  sed -E "s/^([[:space:]]*- alert:[[:space:]]*)$alert[[:space:]]*\$/\1${alert}Renamed/" "$rules" >"$copy"
  if cmp -s "$rules" "$copy"; then
    echo "check_alert_tests: could not rename $alert in a copy of $rules" >&2
    exit 2
  fi
  # Only the files that name the alert can notice it is gone (quicker than all of them).
  mapfile -t naming < <(cd "$work" && grep -lw -- "$alert" "${tests[@]}" || true)
  if ((${#naming[@]} == 0)) || run_tests "${naming[@]}"; then untested+=("$alert"); fi
done
cp "$rules" "$copy"

if ((${#untested[@]} > 0)); then
  for alert in "${untested[@]}"; do
    echo "FAIL: alert $alert has no promtool test case in which it fires: add one (alert_rule_test with exp_alerts) to ${tests[*]}" >&2
  done
  exit 1
fi
echo "check_alert_tests: each of the ${#alerts[@]} alerts fires in at least one test case"
