#!/usr/bin/env bash
# Scheduled drift check for any CI: runs `hangar drift` for every workspace of a configuration,
# writes one JUnit report per workspace, and fails the job when any workspace drifted.
#
#   examples/ci/drift.sh [CONFIG_DIR] [REPORT_DIR]
#
# Exit codes follow hangar drift: 0 no drift anywhere, 2 drift found somewhere, 1 an error.
# Extra flags for every run (e.g. --var aws_endpoint=...) come from HANGAR_DRIFT_FLAGS;
# a known-drift allowlist from HANGAR_DRIFT_ALLOW (keep it outside CONFIG_DIR).
set -uo pipefail

config=${1:-examples/hub-and-spoke}
reports=${2:-drift-reports}
hangar=${HANGAR:-hangar}
mkdir -p "$reports"
reports=$(cd "$reports" && pwd)

read -r -a extra <<< "${HANGAR_DRIFT_FLAGS:-}"
allow=()
[ -n "${HANGAR_DRIFT_ALLOW:-}" ] && allow=(--allow "$HANGAR_DRIFT_ALLOW")

workspaces=$("$hangar" -C "$config" workspace list | sed -e 's/^[* ] //' -e 's/ .*//')
worst=0
for ws in $workspaces; do
  echo "::group::drift $ws"
  "$hangar" -C "$config" -w "$ws" drift --junit "$reports/$ws.xml" "${allow[@]}" "${extra[@]}"
  code=$?
  echo "::endgroup::"
  case $code in
    0) echo "$ws: no drift" ;;
    2) echo "$ws: DRIFT"; [ "$worst" -lt 2 ] && worst=2 ;;
    *) echo "$ws: error (exit $code)"; worst=1 ;;
  esac
done
# An error outranks drift: the check itself could not be trusted.
if [ "$worst" -eq 1 ]; then exit 1; fi
exit "$worst"
