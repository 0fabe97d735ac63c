#!/usr/bin/env bash
# `plan` of a small configuration through the real hashicorp/aws plugin, Hangar beside Terraform,
# against moto (issue #16, "Performance": aim ≥ 2× faster than Terraform).
#
# usage: benches/plugin-compare.sh [RUNS]        (default 5; the median is printed)
#
# The configuration: an aws_vpc, two aws_subnets and a security group through the plugin,
# applied once by each tool (untimed), then `plan` timed RUNS times, so every plan starts the
# plugin, configures it and refreshes four objects from moto. Three rows:
#   hangar cold   the schema cache ($XDG_CACHE_HOME/hangar/plugin-schemas) emptied before
#                 each run: the plugin answers GetProviderSchema every time, as for Terraform;
#   hangar cached with the schema cache Hangar keeps per plugin build;
#   terraform     Terraform's `terraform plan` (it has no schema cache across runs).
#
# Nothing leaves 127.0.0.1: the plugin comes from the filesystem mirror only (the CLI
# configuration names no other method), every endpoint the plan uses is moto, credentials are
# dummies, credential validation, account lookup and the metadata service are off, and
# Terraform's checkpoint is disabled.
#
# Needs: hashicorp/aws 5.x in a filesystem mirror (TF_PLUGIN_MIRROR, default /opt/tf-plugins),
# Terraform's CLI (TERRAFORM, default `terraform` on PATH), python3 for moto (.ci/moto installs
# it), and a hangar binary (HANGAR_BIN, else target/release/hangar, else target/debug/hangar,
# under CARGO_TARGET_DIR when set). Skips with a message when the mirror or terraform is absent.
set -euo pipefail

runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
mirror=${TF_PLUGIN_MIRROR:-/opt/tf-plugins}
terraform=${TERRAFORM:-$(command -v terraform || true)}
target=${CARGO_TARGET_DIR:-$root/target}
hangar=${HANGAR_BIN:-}
if [[ -z $hangar ]]; then
  for b in "$target/release/hangar" "$target/debug/hangar"; do
    [[ -x $b ]] && { hangar=$b; break; }
  done
fi

if ! compgen -G "$mirror/registry.terraform.io/hashicorp/aws/5.*/*/terraform-provider-aws*" >/dev/null; then
  echo "plugin-compare: SKIP: no hashicorp/aws 5.x unpacked in the mirror $mirror (TF_PLUGIN_MIRROR)"
  exit 0
fi
if [[ -z $terraform || ! -x $terraform ]]; then
  echo "plugin-compare: SKIP: no terraform CLI (TERRAFORM, or terraform on PATH)"
  exit 0
fi
[[ -n $hangar && -x $hangar ]] || { echo "no hangar binary (HANGAR_BIN, or cargo build [--release] -p hangar)" >&2; exit 1; }
profile=$(basename "$(dirname "$hangar")")

scratch=$(mktemp -d -t hangar-plugincompare-XXXXXX)
pidfile=$scratch/moto.pid
cleanup() {
  "$root/.ci/moto" stop "$pidfile" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT
line=$("$root/.ci/moto" start "$pidfile")
endpoint=${line##*MOTO_ENDPOINT=}

# One environment for both tools: private HOME and caches, the mirror as the only installation
# method, nothing that could reach AWS.
mkdir -p "$scratch/home" "$scratch/cache" "$scratch/hangar" "$scratch/terraform"
cat >"$scratch/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path = "$mirror"
  }
}
EOF
export HOME=$scratch/home XDG_CACHE_HOME=$scratch/cache TF_CLI_CONFIG_FILE=$scratch/terraformrc
export NO_COLOR=1 TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9 AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE HTTP_PROXY HTTPS_PROXY http_proxy https_proxy HANGAR_WORKSPACE TF_PLUGIN_CACHE_DIR

# config LOCAL_NAME PROVIDER_LINE: the same resources under the local name each tool needs
# (`aws` is Hangar's native provider, so Hangar reaches the plugin as `awsplugin`).
config() {
  local name=$1 ref=$2
  cat <<EOF
terraform {
  required_providers {
    $name = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "$name" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    ec2 = "$endpoint"
    sts = "$endpoint"
    iam = "$endpoint"
  }
}

resource "aws_vpc" "main" {
  $ref
  cidr_block = "10.50.0.0/16"
  tags = {
    Name = "plugin-compare"
  }
}

resource "aws_subnet" "a" {
  $ref
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.1.0/24"
  availability_zone = "eu-central-1a"
}

resource "aws_subnet" "b" {
  $ref
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.2.0/24"
  availability_zone = "eu-central-1b"
}

resource "aws_security_group" "web" {
  $ref
  name   = "plugin-compare-web"
  vpc_id = aws_vpc.main.id
}
EOF
}
config awsplugin "provider = awsplugin" >"$scratch/hangar/main.tf"
config aws "" >"$scratch/terraform/main.tf"

must() {
  local log=$scratch/$1.log; shift
  "$@" >"$log" 2>&1 || { echo "failed: $*" >&2; tail -30 "$log" >&2; exit 1; }
}
must hangar-init "$hangar" -C "$scratch/hangar" init
must hangar-apply "$hangar" -C "$scratch/hangar" apply -auto-approve
must tf-init "$terraform" -chdir="$scratch/terraform" init -input=false
must tf-apply "$terraform" -chdir="$scratch/terraform" apply -auto-approve -input=false

now() { date +%s.%N; }
# median LABEL PREP CMD...: runs PREP then times CMD (exit 0 = no changes) RUNS times.
median() {
  local label=$1 prep=$2; shift 2
  local times=() t0 t1 rc
  for _ in $(seq 1 "$runs"); do
    eval "$prep"
    t0=$(now)
    rc=0
    "$@" >"$scratch/$label.log" 2>&1 || rc=$?
    t1=$(now)
    if [[ $rc -ne 0 ]]; then
      echo "$label: plan exited $rc (expected 0, no changes):" >&2; tail -30 "$scratch/$label.log" >&2; exit 1
    fi
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] }'
}

cold=$(median hangar-cold 'rm -rf "$XDG_CACHE_HOME/hangar/plugin-schemas"' \
  "$hangar" -C "$scratch/hangar" plan -detailed-exitcode)
cached=$(median hangar-cached ':' "$hangar" -C "$scratch/hangar" plan -detailed-exitcode)
tf=$(median terraform ':' "$terraform" -chdir="$scratch/terraform" plan -detailed-exitcode -input=false)

version=$(basename "$(dirname "$(dirname "$(compgen -G "$mirror/registry.terraform.io/hashicorp/aws/5.*/*/terraform-provider-aws*" | head -1)")")")
echo "plan of 4 resources through hashicorp/aws $version against moto; median of $runs runs, seconds"
echo "($(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), hangar $profile build, $("$terraform" version | head -1))"
printf '%-16s %8s %10s\n' run seconds "terraform/x"
ratio() { echo "scale=2; $tf / $1" | bc -l; }
printf '%-16s %8s %9sx\n' "hangar cold" "$cold" "$(ratio "$cold")"
printf '%-16s %8s %9sx\n' "hangar cached" "$cached" "$(ratio "$cached")"
printf '%-16s %8s %9sx\n' "terraform" "$tf" "1.00"
echo "aim: hangar ≥ 2.00x faster than terraform"
