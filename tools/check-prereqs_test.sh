#!/usr/bin/env bash
# Tests tools/check-prereqs with fake tools on a PATH of their own: each case
# must print exactly the one line that says what is missing and how to get
# it, and fail; a complete set must pass silently. Run by make test.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
check=$here/check-prereqs
bash=$(command -v bash)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# fake DIR NAME OUTPUT: a tool that prints OUTPUT and succeeds.
fake() {
  mkdir -p "$1"
  printf '#!%s\nprintf "%%s\\n" %q\n' "$bash" "$3" >"$1/$2"
  chmod +x "$1/$2"
}

# expect NAME PATH WANT ARGS...: the check, run on PATH with ARGS, fails
# with one line containing WANT (or passes silently when WANT is empty).
expect() {
  local name=$1 path=$2 want=$3
  shift 3
  local out code=0
  out=$(env -i PATH="$path" PG_BIN="$work/pg" "$bash" "$check" "$@" 2>&1) || code=$?
  if [[ -z $want ]]; then
    if [[ $code -ne 0 || -n $out ]]; then
      printf 'FAIL %s: exit %d, output %q; want success and no output\n' "$name" "$code" "$out"
      failures=$((failures + 1))
    fi
    return
  fi
  local lines
  lines=$(printf '%s\n' "$out" | grep -c '')
  if [[ $code -eq 0 || $lines -ne 1 || $out != *"$want"* ]]; then
    printf 'FAIL %s: exit %d, %d line(s): %s\n     want exit 1 and one line containing %q\n' "$name" "$code" "$lines" "$out" "$want"
    failures=$((failures + 1))
  fi
}

good=$work/good
fake "$good" go go1.26.0
fake "$good" node v20.19.0
fake "$good" npm 10.8.2
mkdir -p "$work/pg"
fake "$work/pg" initdb ""
fake "$work/pg" postgres ""

old=$work/old
fake "$old" go go1.25.3
fake "$old" node v18.20.1
fake "$old" npm 9.1.0

nogo=$work/nogo
fake "$nogo" node v20.19.0
fake "$nogo" npm 10.8.2

# The fake go answers `go env GOVERSION` with its version line.
expect "all present" "$good" "" go node postgres
expect "no go on PATH" "$nogo" "Go >= 1.26, but go is not on PATH: install it from https://go.dev/dl/" go node
expect "old go" "$old:$good" "Go >= 1.26, but go is 1.25.3" go
expect "no node" "$good/go-only-dir-that-does-not-exist" "Node.js >= 20.19 with npm >= 10, but node is not on PATH" node
expect "old node" "$old:$good" "Node.js >= 20.19, but node is 18.20.1" node
fake "$work/oldnpm" npm 9.1.0
expect "old npm" "$work/oldnpm:$good" "npm >= 10, but npm is 9.1.0" node
rm "$work/pg/initdb"
expect "no initdb" "$good" "PG_BIN=$work/pg does not hold them" postgres

if ((failures > 0)); then
  exit 1
fi
echo "check-prereqs: all cases pass"
