#!/usr/bin/env bash
# Side by side: Hangar and Terraform on the configurations `benches/scale.rs` generates, in the
# same run, with ratios and peak memory.
#
# usage: benches/terraform-compare.sh
#   SIZES="1000 10000"      sizes run with both tools
#   SHAPES="blocks module"  blocks: N one-block resources in one main.tf; module: 100 blocks in
#                           a module called with for_each over N/100 keys (see scale.rs)
#   HANGAR_ONLY="100000"    sizes run with Hangar alone (Terraform would take many minutes)
#   TF_APPLY_MAX=1000       above this N Terraform's apply is skipped (it is quadratic: 27.5 min
#                           at 10k) and its re-plan runs on a state file this script writes in
#                           Terraform's format (what its apply would have recorded for
#                           terraform_data); the re-plan must then find no changes, which checks
#                           that state
#   HANGAR_BIN, TERRAFORM   the binaries (defaults: $CARGO_TARGET_DIR or target/, release build;
#                           /usr/local/bin/terraform, else terraform on PATH)
#
# Steps timed, each with GNU /usr/bin/time (wall seconds %e, peak RSS %M of the process; MB =
# 10^6 bytes), output to log files: plan (no state), apply -auto-approve, plan
# -detailed-exitcode (re-plan, must exit 0). Terraform's untimed `init` comes first. Ratios
# are Terraform / Hangar. One run each: on a shared machine expect ±30 % on single figures.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${SIZES:-1000 10000}
shapes=${SHAPES:-blocks module}
hangar_only=${HANGAR_ONLY-100000}
tf_apply_max=${TF_APPLY_MAX:-1000}
target=${CARGO_TARGET_DIR:-$root/target}
hangar=${HANGAR_BIN:-$target/release/hangar}
terraform=${TERRAFORM:-/usr/local/bin/terraform}
[[ -x $terraform ]] || terraform=$(command -v terraform || true)

[[ -x $hangar ]] || { echo "no hangar binary at $hangar (cargo build --release -p hangar)" >&2; exit 1; }
[[ -n $terraform && -x $terraform ]] || { echo "no terraform binary (set TERRAFORM)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs GNU /usr/bin/time" >&2; exit 1; }

scratch=$(mktemp -d -t hangar-tfcompare-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# One generator for both benches: scale.rs (std only, so plain rustc builds it in a second).
CARGO_MANIFEST_DIR=$root rustc --edition 2021 -O "$root/benches/scale.rs" -o "$scratch/scale"

export NO_COLOR=1 TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
: >"$scratch/terraformrc"
export TF_CLI_CONFIG_FILE=$scratch/terraformrc

# timed LABEL CMD... -> "secs MB" (MB = 10^6 bytes); fails unless the command exits 0.
timed() {
  local label=$1; shift
  local log=$scratch/$label.log rc=0
  /usr/bin/time -f '%e %M' -o "$scratch/$label.time" "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "$label exited $rc; last lines:" >&2; tail -20 "$log" >&2; exit 1
  fi
  tail -1 "$scratch/$label.time" | awk '{ printf "%.2f %.0f", $1, $2 * 1024 / 1e6 }'
}

# tf_state DIR SHAPE N: the state Terraform's apply records for the generated terraform_data
# resources (every output equals its input: the seed of its column).
tf_state() {
  python3 - "$1" "$2" "$3" "$($terraform version | head -1 | sed 's/Terraform v//')" <<'EOF'
import json, sys, uuid
d, shape, n, version = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
layers = 10
def layer_sizes(n):
    l = min(layers, n)
    return [n // l + (1 if k < n % l else 0) for k in range(l)]
def instance(seed):
    v = {"value": seed, "type": "string"}
    return {"schema_version": 0, "attributes": {"id": str(uuid.uuid4()), "input": v,
            "output": v, "triggers_replace": None}, "sensitive_attributes": []}
resources = []
def blocks(count, seed, module=None):
    for k, m in enumerate(layer_sizes(count)):
        for i in range(m):
            r = {"mode": "managed", "type": "terraform_data", "name": f"l{k}_{i}",
                 "provider": 'provider["terraform.io/builtin/terraform"]',
                 "instances": [instance(f"{seed}-{i}")]}
            if module:
                r = {"module": module, **r}
            resources.append(r)
if shape == "blocks":
    blocks(n, "seed")
else:
    per = min(100, n)
    for j in range((n + per - 1) // per):
        blocks(per, f"m{j}", f'module.m["m{j}"]')
doc = {"version": 4, "terraform_version": version, "serial": 1, "lineage": str(uuid.uuid4()),
       "outputs": {}, "resources": resources, "check_results": None}
json.dump(doc, open(f"{d}/terraform.tfstate", "w"))
EOF
}

# row N SHAPE STEP "tf_s tf_mb" "hangar_s hangar_mb"
row() {
  local n=$1 shape=$2 step=$3 tf=$4 hg=$5
  echo "$n $shape $step $tf $hg" | awk '{
    tf = ($4 == "-") ? "-" : sprintf("%.2f", $4); tm = ($5 == "-") ? "-" : $5
    rt = ($4 == "-" || $6 == 0) ? "-" : sprintf("%.0fx", $4 / $6)
    rm = ($5 == "-" || $7 == 0) ? "-" : sprintf("%.1fx", $5 / $7)
    printf "| %s | %s | %s | %s | %s | %.2f | %s | %s | %s |\n", $1, $2, $3, tf, tm, $6, $7, rt, rm }'
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
mem=$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1e6 }' /proc/meminfo)
echo "Hangar $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') beside $($terraform version | head -1);" \
  "$(date -u +%Y-%m-%d), $(nproc) cores ($cpu), $mem, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "seconds and MB (10^6 bytes, peak RSS); ratio = Terraform / Hangar; one run each"
echo
echo "| N | shape | step | Terraform s | MB | Hangar s | MB | time ratio | memory ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $sizes $hangar_only; do
  both=1
  for h in $hangar_only; do [[ $n == "$h" ]] && both=0; done
  for shape in $shapes; do
    gen=$scratch/gen
    rm -rf "$gen"
    "$scratch/scale" --emit "$gen" --shape "$shape" "$n" >/dev/null
    hd=$scratch/hangar-$shape-$n td=$scratch/terraform-$shape-$n
    cp -r "$gen/$shape-$n" "$hd"
    hp=$(timed "hangar-$shape-$n-plan" "$hangar" -C "$hd" plan)
    ha=$(timed "hangar-$shape-$n-apply" "$hangar" -C "$hd" apply --auto-approve)
    hr=$(timed "hangar-$shape-$n-replan" "$hangar" -C "$hd" plan --detailed-exitcode)
    tp="- -" ta="- -" tr="- -"
    if [[ $both == 1 ]]; then
      cp -r "$gen/$shape-$n" "$td"
      "$terraform" -chdir="$td" init -input=false >"$scratch/tf-init.log" 2>&1 \
        || { echo "terraform init failed:" >&2; cat "$scratch/tf-init.log" >&2; exit 1; }
      tp=$(timed "terraform-$shape-$n-plan" "$terraform" -chdir="$td" plan -input=false)
      if (( n <= tf_apply_max )); then
        ta=$(timed "terraform-$shape-$n-apply" "$terraform" -chdir="$td" apply -input=false -auto-approve)
      else
        tf_state "$td" "$shape" "$n"
      fi
      tr=$(timed "terraform-$shape-$n-replan" "$terraform" -chdir="$td" plan -input=false -detailed-exitcode)
      rm -rf "$td"
    fi
    rm -rf "$hd"
    row "$n" "$shape" plan "$tp" "$hp"
    row "$n" "$shape" apply "$ta" "$ha"
    row "$n" "$shape" re-plan "$tr" "$hr"
  done
done
echo
echo "aims (issue 17): plan 100k < 1 s and < 500 MB; re-plan 10k >= 20x faster than Terraform;"
echo "module shape within 1.5x of blocks. Terraform apply above N=$tf_apply_max: skipped (state written)."
