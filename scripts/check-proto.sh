#!/usr/bin/env bash
# The v1 API's checks: `buf lint` (STANDARD rules), then `buf breaking`
# against the proto of the previous commit -- or of HEAD, when the work tree
# changes it -- so a change to v1 that would break its clients fails `make
# test`. buf comes from npm (proto/check, installed by install-deps.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
buf="$root/proto/check/node_modules/.bin/buf"
cd "$root/proto"
"$buf" lint
echo "check-proto: buf lint passed"

cd "$root"
if ! git rev-parse --verify -q HEAD >/dev/null; then
  echo "check-proto: not a git checkout; buf breaking skipped"
  exit 0
fi
base=HEAD
if git diff --quiet HEAD -- proto; then
  if ! git rev-parse --verify -q HEAD~1 >/dev/null; then
    echo "check-proto: no previous commit (shallow clone?); buf breaking skipped"
    exit 0
  fi
  base=HEAD~1
fi
against="$(mktemp -d)"
trap 'rm -rf "$against"' EXIT
git archive "$base" proto | tar -x -C "$against"
cd "$root/proto"
"$buf" breaking --against "$against/proto"
echo "check-proto: buf breaking against $(git rev-parse --short "$base") passed"
