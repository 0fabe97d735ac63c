#!/usr/bin/env bash
# Crash torture test: applies a configuration of many S3 buckets (named by bucket_prefix, so a
# leaked or duplicated create would show as an extra bucket) against moto, SIGKILLs the apply at
# random moments, re-runs, and finally checks that moto holds exactly the configured buckets,
# that state is loadable after every kill, and that a re-plan is clean.
#
#   tests/torture/torture.sh [KILLS] [BUCKETS]      (defaults: 5 kills, 30 buckets)
#
# Every create is journaled as an intent (with its token) before the cloud call; the next run
# finds what a killed one created by its hangar:token tag, or for a bucket killed between
# CreateBucket and PutBucketTagging by its token-derived name, and adopts it.
#
# Needs a built hangar (HANGAR, default target/release/hangar, else target/debug/hangar) and
# starts/stops its own moto through .ci/moto. Prints the number of kills survived.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kills=${1:-5}
buckets=${2:-30}
hangar=${HANGAR:-}
if [ -z "$hangar" ]; then
  if [ -x "$root/target/release/hangar" ]; then hangar="$root/target/release/hangar"; else hangar="$root/target/debug/hangar"; fi
fi

work=$(mktemp -d)
pidfile="$work/moto.pid"
trap 'bash "$root/.ci/moto" stop "$pidfile" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
eval "$(bash "$root/.ci/moto" start "$pidfile" | tail -n 1)"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

cat > "$work/main.tf" <<HCL
provider "aws" {
  region            = "eu-central-1"
  s3_use_path_style = true
  endpoints {
    s3  = "$MOTO_ENDPOINT"
    eks = "$MOTO_ENDPOINT"
    sts = "$MOTO_ENDPOINT"
  }
}

resource "aws_s3_bucket" "b" {
  count         = $buckets
  bucket_prefix = "torture-\${count.index}-"
  force_destroy = true
}
HCL

count_buckets() {
  curl -s "$MOTO_ENDPOINT/" | grep -o '<Name>torture-[^<]*</Name>' | wc -l
}

survived=0
for ((i = 1; i <= kills; i++)); do
  "$hangar" -C "$work" apply --auto-approve --parallelism 2 >"$work/apply-$i.log" 2>&1 &
  pid=$!
  sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.05 + rand() * 0.5 }')"
  if kill -9 "$pid" 2>/dev/null; then
    survived=$((survived + 1))
  fi
  wait "$pid" 2>/dev/null || true
  # State must load after every kill.
  "$hangar" -C "$work" state list >/dev/null
done

"$hangar" -C "$work" apply --auto-approve >"$work/final.log" 2>&1 || { cat "$work/final.log"; exit 1; }
"$hangar" -C "$work" plan --detailed-exitcode >"$work/replan.log" 2>&1 || { echo "re-plan is not clean"; cat "$work/replan.log"; exit 1; }
in_state=$("$hangar" -C "$work" state list | grep -c '^aws_s3_bucket.b\[')
in_moto=$(count_buckets)
echo "kills survived: $survived; buckets configured: $buckets, in state: $in_state, in moto: $in_moto"
if [ "$in_state" -ne "$buckets" ] || [ "$in_moto" -ne "$buckets" ]; then
  echo "FAIL: leaked or duplicated buckets" >&2
  exit 1
fi
"$hangar" -C "$work" destroy --auto-approve >/dev/null
echo "torture: 1 passed, 0 failed"
