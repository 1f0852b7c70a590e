#!/usr/bin/env bash
# Fuzzes the trace importer (readJsonl, core/trace/TraceReader.cpp) with libFuzzer + ASan + UBSan.
#
#   scripts/fuzz.sh [SECONDS] [-- LIBFUZZER_FLAG...]   build, seed the corpus, fuzz (default 60 s)
#   scripts/fuzz.sh --repro FILE                        build, run one input once (shows the report)
#   scripts/fuzz.sh --minimize FILE [SECONDS]           build, shrink a crashing input (default 60 s)
#
# Everything goes under build-fuzz/ at the repository root (git-ignored by /build*/):
#   build-fuzz/fuzz_trace_reader      the fuzzer
#   build-fuzz/corpus/                the working corpus, kept between runs; seeded on every run
#                                     from tests/malformed/*.jsonl and tests/fuzz/seeds/*
#   build-fuzz/runs/STAMP/            one run: fuzz.log and the crash-/leak-/timeout-/oom- inputs
#   build-fuzz/minimized/             what --minimize made
# Exits 0 if the time ran out without a finding, 1 if the fuzzer found one (the inputs' paths are
# printed), 2 on a usage error, 3 if the build fails. Works from any directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build-fuzz"
BIN="$OUT/fuzz_trace_reader"
CXX="${CXX:-clang++-14}"

usage() {
    cat <<EOF
usage: scripts/fuzz.sh [SECONDS] [-- LIBFUZZER_FLAG...]
       scripts/fuzz.sh --repro FILE
       scripts/fuzz.sh --minimize FILE [SECONDS]

Builds tests/fuzz/fuzz_trace_reader.cpp with $CXX (-fsanitize=fuzzer,address,undefined) into
build-fuzz/, seeds build-fuzz/corpus/ from tests/malformed/*.jsonl and tests/fuzz/seeds/, and
fuzzes readJsonl for SECONDS seconds (default 60) with -max_len=65536 -rss_limit_mb=2048
-timeout=10 and the dictionary tests/fuzz/trace.dict. Flags after -- go to libFuzzer as given
(e.g. -- -seed=1). Exit status: 0 no finding, 1 a crash/leak/timeout/OOM (its input's path is
printed), 2 usage error, 3 build error.
EOF
}
die_usage() {
    echo "fuzz.sh: $1" >&2
    usage | sed -n 1,3p >&2
    echo "(scripts/fuzz.sh --help says more)" >&2
    exit 2
}
positive_int() { [[ "$1" =~ ^[1-9][0-9]{0,6}$ ]]; }

# --- arguments ---
mode=fuzz
seconds=60
target=""
extra=()
case "${1:-}" in
-h | --help)
    usage
    exit 0
    ;;
--repro | --minimize)
    mode="${1#--}"
    [[ $# -ge 2 ]] || die_usage "$1 needs a FILE"
    target="$(cd "$(dirname "$2")" 2>/dev/null && pwd)/$(basename "$2")" ||
        die_usage "no such file: $2"
    [[ -f "$target" ]] || die_usage "no such file: $2"
    if [[ "$mode" == minimize && $# -ge 3 ]]; then
        positive_int "$3" || die_usage "SECONDS must be a positive integer (got '$3')"
        seconds="$3"
    fi
    [[ $# -le 3 && ($mode == minimize || $# -le 2) ]] || die_usage "too many arguments"
    ;;
*)
    if [[ $# -ge 1 && "$1" != "--" ]]; then
        positive_int "$1" || die_usage "SECONDS must be a positive integer (got '$1')"
        seconds="$1"
        shift
    fi
    if [[ $# -ge 1 ]]; then
        [[ "$1" == "--" ]] || die_usage "unexpected argument '$1' (libFuzzer flags go after --)"
        shift
        extra=("$@")
    fi
    ;;
esac

# --- build ---
command -v "$CXX" >/dev/null || {
    echo "fuzz.sh: $CXX not found (install clang-14 and libclang-rt-14-dev, or set CXX)" >&2
    exit 3
}
# The reader and exactly what it links against: the enums' toString() (Event, Snapshot,
# Deadlock; Deadlock.cpp brings in MutexProbe.cpp), the Trace it fills, the tables' text
# (TableText) and the writer the target compares the two ways of reading with (TraceFile, with
# WaitStatus for signal names). WaitStatus's forExit/forSignal are inline; nlohmann/json is
# header-only; simdjson is the system library (not instrumented: coverage comes from the reader
# that drives it).
SOURCES=(
    tests/fuzz/fuzz_trace_reader.cpp
    core/trace/TraceReader.cpp
    core/trace/TableText.cpp
    core/trace/TraceFile.cpp
    core/trace/JsonWriter.cpp
    core/trace/Trace.cpp
    core/trace/TablePool.cpp
    core/trace/Event.cpp
    core/probe/Snapshot.cpp
    core/probe/Deadlock.cpp
    core/probe/MutexProbe.cpp
    core/base/Text.cpp
    core/base/WaitStatus.cpp
)
mkdir -p "$OUT/obj"
# Coverage feedback is only wanted from the code under test: Trace's constructor zeroes three
# 64k-entry chunk tables (AppendOnly), a loop that would otherwise cost ~20% of every run.
# ASan and UBSan still check that code.
IGNORE="$OUT/coverage-ignore.txt"
cat >"$IGNORE" <<'EOF'
src:*/core/trace/Trace.cpp
fun:*AppendOnly*
fun:*unique_ptr*
fun:*__uniq_ptr_impl*
fun:*__get_helper*
EOF
FLAGS=("-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=undefined
    "-fsanitize-coverage-ignorelist=$IGNORE" -D_GLIBCXX_ASSERTIONS
    -g -O1 -std=c++20 "-I$ROOT")
# True if the object is newer than its source, this script and every project header clang's
# -MMD listed for it (system headers such as nlohmann/json are not tracked).
up_to_date() {
    local obj="$1" src="$2" dep
    [[ -f "$obj" && -f "$obj.d" && "$obj" -nt "$src" && "$obj" -nt "$ROOT/scripts/fuzz.sh" ]] ||
        return 1
    while read -r dep; do
        [[ -z "$dep" || (-f "$dep" && ! "$dep" -nt "$obj") ]] || return 1
    done < <(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d" | tr -s '[:blank:]' '\n')
}
echo "fuzz.sh: building $BIN" >&2
objs=()
pids=()
for src in "${SOURCES[@]}"; do
    [[ -f "$ROOT/$src" ]] || {
        echo "fuzz.sh: missing source $src" >&2
        exit 3
    }
    obj="$OUT/obj/$(echo "${src%.cpp}" | tr / _).o"
    objs+=("$obj")
    up_to_date "$obj" "$ROOT/$src" && continue
    "$CXX" "${FLAGS[@]}" -MMD -MF "$obj.d" -c "$ROOT/$src" -o "$obj" &
    pids+=($!)
done
failed=0
for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" || failed=1; done
[[ $failed == 0 ]] || {
    echo "fuzz.sh: compiling failed" >&2
    exit 3
}
"$CXX" "${FLAGS[@]}" "${objs[@]}" -lsimdjson -o "$BIN" || {
    echo "fuzz.sh: linking failed (an undefined symbol means SOURCES in this script needs" \
        "another core/ file)" >&2
    exit 3
}

# A UB report is a finding, with its stack.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
LIMITS=(-max_len=65536 -rss_limit_mb=2048 -timeout=10)

# --- one input, or minimising one ---
if [[ "$mode" == repro ]]; then
    echo "fuzz.sh: running $target" >&2
    exec "$BIN" "${LIMITS[@]}" "$target"
fi
if [[ "$mode" == minimize ]]; then
    mkdir -p "$OUT/minimized"
    min="$OUT/minimized/$(basename "$target")"
    echo "fuzz.sh: minimising $target for ${seconds}s into $min" >&2
    set +e
    "$BIN" "${LIMITS[@]}" -minimize_crash=1 -max_total_time="$seconds" \
        -exact_artifact_path="$min" "$target"
    rc=$?
    set -e
    if [[ -f "$min" ]]; then
        echo "fuzz.sh: minimised input: $min ($(stat -c %s "$min") bytes)" >&2
        exit 0
    fi
    echo "fuzz.sh: nothing minimised (exit $rc): does $target crash? try --repro" >&2
    exit 1
fi

# --- fuzz ---
CORPUS="$OUT/corpus"
RUN="$OUT/runs/$(date +%Y%m%d-%H%M%S)-$$"
LOG="$RUN/fuzz.log"
mkdir -p "$CORPUS" "$RUN"
shopt -s nullglob
seeds=("$ROOT"/tests/malformed/*.jsonl "$ROOT"/tests/fuzz/seeds/*)
shopt -u nullglob
[[ ${#seeds[@]} -gt 0 ]] || echo "fuzz.sh: warning: no seed files found" >&2
for s in "${seeds[@]}"; do
    # Named after where they came from, so a seed that changes is added anew.
    cp -f "$s" "$CORPUS/seed-$(basename "$(dirname "$s")")-$(basename "$s")"
done
echo "fuzz.sh: fuzzing for ${seconds}s; corpus $CORPUS ($(find "$CORPUS" -type f | wc -l)" \
    "files), log $LOG" >&2

set +e
"$BIN" "${LIMITS[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -dict="$ROOT/tests/fuzz/trace.dict" -artifact_prefix="$RUN/" ${extra[@]+"${extra[@]}"} \
    "$CORPUS" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

shopt -s nullglob
found=("$RUN"/crash-* "$RUN"/leak-* "$RUN"/timeout-* "$RUN"/oom-* "$RUN"/slow-unit-*)
shopt -u nullglob
echo
echo "=== fuzz.sh summary ==="
grep -E '^#[0-9]+' "$LOG" | tail -n 1 || true
grep -E '^(Done [0-9]+ runs|stat::)' "$LOG" || true
echo "corpus: $(find "$CORPUS" -type f | wc -l) files, $(du -sh "$CORPUS" | cut -f1) in $CORPUS"
echo "log: $LOG"
if [[ ${#found[@]} -gt 0 || $rc -ne 0 ]]; then
    echo "FINDING: the fuzzer stopped with exit status $rc" >&2
    for f in ${found[@]+"${found[@]}"}; do
        echo "  input: $f ($(stat -c %s "$f") bytes)" >&2
        echo "  reproduce: scripts/fuzz.sh --repro $f" >&2
        echo "  minimise:  scripts/fuzz.sh --minimize $f" >&2
    done
    [[ ${#found[@]} -gt 0 ]] || echo "  (no input was saved: see the log)" >&2
    exit 1
fi
echo "no finding in ${seconds}s"
