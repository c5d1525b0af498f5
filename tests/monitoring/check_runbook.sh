#!/usr/bin/env bash
# The on-call runbook stays true to the alert rules and to the binary:
#   - every alert in the rules file has a section `## <AlertName>` in the runbook, its
#     `runbook` annotation points at that section (docs/runbook.md#<alertname in lower
#     case>, GitHub's anchor), and every `## Novafeed...` section is an alert that exists;
#   - every novafeed command line in the runbook (a line of a code block starting with
#     `novafeed `, or an inline `novafeed ...` code span) names commands, subcommands and
#     options the binary has: each word is checked against the --help of the command
#     before it, each option against the options of its command and its parents, and
#     `novafeed <the line> --help` must exit 0 (this also checks positional choices and
#     option values). A `<placeholder>` stands for a value and is given as 1.
# Usage: check_runbook.sh NOVAFEED RULES_FILE RUNBOOK
set -euo pipefail

if (($# != 3)); then
  echo "usage: $0 NOVAFEED RULES_FILE RUNBOOK" >&2
  exit 2
fi
novafeed=$1 rules=$2 runbook=$3
for f in "$novafeed" "$rules" "$runbook"; do
  [[ -e $f ]] || { echo "check_runbook: $f does not exist" >&2; exit 2; }
done

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# --- alerts <-> sections -------------------------------------------------------------

mapfile -t alerts < <(sed -n 's/^[[:space:]]*- alert:[[:space:]]*\([A-Za-z0-9_]*\)[[:space:]]*$/\1/p' "$rules")
((${#alerts[@]} > 0)) || { echo "check_runbook: no '- alert: Name' line in $rules" >&2; exit 2; }
mapfile -t sections < <(sed -n 's/^## \(Novafeed[A-Za-z0-9_]*\)[[:space:]]*$/\1/p' "$runbook")

for alert in "${alerts[@]}"; do
  anchor=$(tr '[:upper:]' '[:lower:]' <<<"$alert")
  grep -qx "## $alert" "$runbook" || fail "alert $alert has no section '## $alert' in $runbook"
  # The annotation within this alert's rule (from its `- alert:` line to the next rule).
  annotation=$(awk -v name="$alert" '
    /^[[:space:]]*- (alert|record):/ { inside = ($0 ~ ("- alert:[[:space:]]*" name "[[:space:]]*$")) }
    inside && /^[[:space:]]*runbook(_url)?:/ { sub(/^[[:space:]]*runbook(_url)?:[[:space:]]*/, ""); print; exit }
  ' "$rules")
  [[ $annotation == *"docs/runbook.md#$anchor" ]] ||
    fail "alert $alert: its runbook annotation is '$annotation', expected one ending in docs/runbook.md#$anchor"
done
for section in "${sections[@]}"; do
  printf '%s\n' "${alerts[@]}" | grep -qx "$section" ||
    fail "$runbook has a section '## $section' but $rules has no such alert (renamed or removed?)"
done

# --- novafeed command lines ----------------------------------------------------------

# Command lines: code-block lines starting with `novafeed ` (or `$ novafeed `), and inline
# code spans starting with `novafeed `. A pipe, `&&`, `;`, a redirection or a # comment
# ends the novafeed part.
extract_commands() {
  awk '
    # Inline spans may wrap: look for them in whole paragraphs.
    function spans(text,   rest) {
      rest = text
      while (match(rest, /`novafeed [^`]*`/)) {
        print substr(rest, RSTART + 1, RLENGTH - 2)
        rest = substr(rest, RSTART + RLENGTH)
      }
    }
    /^[[:space:]]*```/ { spans(paragraph); paragraph = ""; in_code = !in_code; next }
    in_code {
      line = $0
      sub(/^[[:space:]]*(\$[[:space:]]+)?/, "", line)
      if (line ~ /^novafeed /) print line
      next
    }
    /^[[:space:]]*$/ { spans(paragraph); paragraph = ""; next }
    { sub(/^[[:space:]]+/, ""); paragraph = paragraph " " $0 }
    END { spans(paragraph) }
  ' "$runbook" | sed -E 's/[[:space:]]+(\||&&|;|#|2?>).*$//'
}

cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
help_of() {  # help_of "sub words" -> the --help text of that command (cached in files)
  local file="$cache/_${1// /_}"
  if [[ ! -e $file ]]; then
    # shellcheck disable=SC2086  # the words are split on purpose
    "$novafeed" $1 --help >"$file" 2>&1 || : >"$file"
  fi
  cat "$file"
}
subcommands_of() {  # the names listed under "Subcommands:"
  help_of "$1" | awk '/^Subcommands:/ { on = 1; next } on && /^[^ ]/ { on = 0 } on && /^  [a-z]/ { print $1 }'
}
# One line per option of the command: "NAME VALUE" where VALUE is none, one or many.
options_of() {
  help_of "$1" | awk '
    /^(Options|Positionals|Subcommands):/ { section = $1; next }
    /^[^ ]/ { section = "" }
    section == "Options:" && /^  -/ {
      line = substr($0, 3)
      # "-h,--help   text", "--config FILE   text", "--set KEY=VALUE ...   text"
      split(line, parts, /   +/)
      spec = parts[1]
      n = split(spec, words, " ")
      value = "none"
      if (n >= 2) value = (words[n] == "...") ? "many" : "one"
      m = split(words[1], names, ",")
      for (i = 1; i <= m; i++) print names[i], value
    }'
}
has_positionals() { help_of "$1" | grep -q '^Positionals:'; }
needs_subcommand() { help_of "$1" | grep -q '^Usage: .* SUBCOMMAND$'; }

check_command() {
  local line="$1" words=() word path="" option kind known value_mode="" positional_seen=false
  # Shell-like word splitting with quotes, without evaluating anything.
  local split
  # A <placeholder> (spaces allowed) stands for a value: 1.
  if ! split=$(printf '%s\n' "${line#novafeed }" | sed -E 's/<[^>]*>/1/g' | xargs -n1 printf '%s\n' 2>/dev/null); then
    fail "runbook command '$line': unbalanced quotes"
    return
  fi
  mapfile -t words <<<"$split"
  for word in "${words[@]}"; do
    if [[ $word == -* ]]; then
      value_mode=""
      option=${word%%=*}
      known=""
      # The command's own options, then its parents' (CLI11 falls through to them).
      local prefix="$path"
      while :; do
        known=$(options_of "$prefix" | awk -v o="$option" '$1 == o { print $2; exit }')
        [[ -n $known || -z $prefix ]] && break
        if [[ $prefix == *" "* ]]; then prefix=${prefix% *}; else prefix=""; fi
      done
      if [[ -z $known ]]; then
        fail "runbook command '$line': novafeed ${path:+$path }has no option $option"
        return
      fi
      [[ $word == *=* ]] || value_mode=$known
      [[ $value_mode == none ]] && value_mode=""
      continue
    fi
    # The value of the option before; an option taking many ends at a subcommand's name,
    # as in CLI11.
    if [[ $value_mode == one ]] || { [[ $value_mode == many ]] && ! subcommands_of "$path" | grep -qx -- "$word"; }; then
      [[ $value_mode == one ]] && value_mode=""
      continue
    fi
    value_mode=""
    if ! $positional_seen && subcommands_of "$path" | grep -qx -- "$word"; then
      path=${path:+$path }$word
      continue
    fi
    if has_positionals "$path"; then
      positional_seen=true
      continue
    fi
    fail "runbook command '$line': '$word' is not a subcommand of novafeed${path:+ $path} ($(subcommands_of "$path" | tr '\n' ' '| sed 's/ $//'))"
    return
  done
  if [[ -z $path ]]; then
    fail "runbook command '$line': no command"
    return
  fi
  if needs_subcommand "$path"; then
    fail "runbook command '$line': novafeed $path needs a subcommand"
    return
  fi
  local output
  if ! output=$("$novafeed" "${words[@]}" --help 2>&1 >/dev/null); then
    fail "runbook command '$line': 'novafeed ${words[*]} --help' fails: $output"
    return
  fi
  checked=$((checked + 1))
}

checked=0
mapfile -t commands < <(extract_commands)
((${#commands[@]} > 0)) || fail "$runbook has no novafeed command line at all"
for command in "${commands[@]}"; do
  check_command "$command"
done

if ((failures > 0)); then
  echo "check_runbook: $failures problem(s) in $runbook" >&2
  exit 1
fi
echo "check_runbook: ${#alerts[@]} alerts, each with its section; $checked novafeed command lines exist in $novafeed"
