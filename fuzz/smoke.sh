#!/usr/bin/env bash
# The fuzzing smoke test: installs cargo-afl when it is missing, builds every fuzz target with
# AFL++ instrumentation, runs each for a short fixed time from its seed corpus, and fails when
# any run found a crash (an input that makes fourc panic or abort) or a seed crashes, printing
# those inputs.
#
#   bash fuzz/smoke.sh                  # 15 s per target
#   FUZZ_SECONDS=300 bash fuzz/smoke.sh # longer
#   bash fuzz/smoke.sh yaml rules       # some targets only
#
# Each run starts afresh in fuzz/out/<target>/ (the previous run's folder is removed).
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-15}"
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=(yaml rules eval inputs)
fi

# cargo-afl's version is the one of the `afl` crate in Cargo.lock: the harness and the AFL++
# runtime it links must match.
afl_version="$(awk '/^name = "afl"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)"
if ! cargo afl --version 2>/dev/null | grep -q "^cargo-afl ${afl_version} "; then
  echo "== installing cargo-afl ${afl_version}"
  cargo install cargo-afl --locked --force --version "=${afl_version}"
fi
# Installing cargo-afl builds AFL++ for the current rustc; this builds it when that did not
# happen (a rustc upgrade since), and otherwise only says it is built.
if ! out="$(cargo afl config --build 2>&1)"; then
  if ! grep -q "already built" <<<"$out"; then
    echo "$out"
    echo "fuzz smoke: cannot build AFL++"
    exit 1
  fi
fi

echo "== cargo afl build --release"
cargo afl build --release --quiet

export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1

crashes=()
for t in "${targets[@]}"; do
  if [ ! -d "seeds/$t" ]; then
    echo "fuzz smoke: no target $t (seeds/$t is missing)"
    exit 1
  fi
  # afl-fuzz skips a seed that crashes: replay the seeds (and any kept regression input) first.
  for f in "seeds/$t"/* "regressions/$t"/*; do
    [ -f "$f" ] || continue
    if ! (timeout 60 "target/release/$t" <"$f" >/dev/null 2>&1) 2>/dev/null; then
      crashes+=("fuzz/$f")
    fi
  done
  echo "== $t: ${seconds}s"
  rm -rf "out/$t"
  mkdir -p "out/$t"
  cargo afl fuzz -V "$seconds" -i "seeds/$t" -o "out/$t" "target/release/$t" \
    </dev/null >"out/$t/afl.log" 2>&1 || {
      tail -n 30 "out/$t/afl.log"
      echo "fuzz smoke: afl-fuzz failed on $t (log: fuzz/out/$t/afl.log)"
      exit 1
    }
  stats="out/$t/default/fuzzer_stats"
  if [ -f "$stats" ]; then
    execs="$(awk -F' *: *' '$1=="execs_done"{print $2}' "$stats")"
    paths="$(awk -F' *: *' '$1=="corpus_count"{print $2}' "$stats")"
    hangs="$(awk -F' *: *' '$1=="saved_hangs"{print $2}' "$stats")"
    echo "   $execs executions, $paths inputs in the corpus, $hangs hangs"
  fi
  while IFS= read -r f; do
    crashes+=("fuzz/$f")
  done < <(find "out/$t/default/crashes" -type f ! -name README.txt 2>/dev/null | sort)
done

if [ "${#crashes[@]}" -gt 0 ]; then
  echo "fuzz smoke: ${#crashes[@]} crashing input(s):"
  printf '  %s\n' "${crashes[@]}"
  echo "replay one with: fuzz/target/release/TARGET < FILE (see fuzz/README.md)"
  exit 1
fi
echo "fuzz smoke: no crash in ${targets[*]}"
