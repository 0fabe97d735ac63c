#!/usr/bin/env bash
# Differential run: generates COUNT random files (tests/difftest/gen.py), formats them with the
# oracle (`tf fmt`, Terraform 1.15) and with hangar-fmt, and reports every file where the two
# disagree: different output, or one accepts what the other rejects. Also reformats Terraform's
# output to check idempotence (Terraform itself is not idempotent on nested legacy
# interpolations like "${"${x}"}", which unwrap one level per run; those show as NOT-IDEMPOTENT).
#
# usage: tests/difftest/run.sh COUNT SEED [mutate]     (work dir: /tmp/hangar-fmt-difftest/SEED)
set -u
N=$1; SEED=$2; MUT=${3:-}
here="$(cd "$(dirname "$0")" && pwd)"
tf="${TF:-$(command -v tf || command -v terraform)}"
D=/tmp/hangar-fmt-difftest/$SEED
(cd "$here/../../../.." && cargo build -q -p hangar-fmt --example fmt_files) || exit 1
bin="${CARGO_TARGET_DIR:-$here/../../../../target}/debug/examples/fmt_files"
rm -rf "$D"; mkdir -p "$D/src"
python3 "$here/gen.py" "$N" "$SEED" "$D/src" $MUT
cp -r "$D/src" "$D/tf"; cp -r "$D/src" "$D/ours"
(cd "$D/tf" && "$tf" fmt -no-color -list=false . > "$D/tf.log" 2>&1)
"$bin" "$D"/ours/*.tf > "$D/ours.log"
grep -a -o 'on [^ ]*\.tf line' "$D/tf.log" | awk '{print $2}' | sort -u > "$D/tf_rejected"
sed -n 's/^ERR \([^:]*\):.*/\1/p' "$D/ours.log" | xargs -r -n1 basename | sort -u > "$D/ours_rejected"
pass=0; fail=0
for f in "$D"/src/*.tf; do b=$(basename "$f")
  if grep -qx "$b" "$D/tf_rejected"; then
    if grep -qx "$b" "$D/ours_rejected"; then pass=$((pass+1)); else fail=$((fail+1)); echo "ACCEPTED-BUT-TF-REJECTS $b"; fi
  elif grep -qx "$b" "$D/ours_rejected"; then fail=$((fail+1)); echo "REJECTED $b: $(grep "$b" "$D/ours.log")"
  elif cmp -s "$D/tf/$b" "$D/ours/$b"; then pass=$((pass+1)); else fail=$((fail+1)); echo "DIFF $b"; fi
done
cp -r "$D/tf" "$D/again"; "$bin" "$D"/again/*.tf > /dev/null
for f in "$D"/tf/*.tf; do b=$(basename "$f"); grep -qx "$b" "$D/tf_rejected" && continue
  cmp -s "$f" "$D/again/$b" || echo "NOT-IDEMPOTENT $b"; done
echo "$pass passed, $fail failed"
