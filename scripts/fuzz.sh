#!/usr/bin/env bash
# Fuzzes what reads text forklab does not control, with libFuzzer + ASan + UBSan. Targets:
#   trace_reader   the trace importer (readJsonl, core/trace/TraceReader.cpp)
#   launch_forms   the command-line recognisers: CPython's launch forms, roles and the plumbing
#                  names (core/sandbox/LaunchForms.cpp, Roles.cpp, CPythonPlumbing.cpp)
#   proc_text      the /proc text parsers (core/probe: status, stat, syscall, maps, fdinfo)
#   frame_names    a stack frame's names from a program's ELF files (core/probe/FrameName.cpp)
#                  and the packed stack text (core/trace/StackText.cpp)
#
#   scripts/fuzz.sh [--target NAME] [SECONDS] [-- LIBFUZZER_FLAG...]
#                        build, seed the corpus, fuzz each target (or only NAME) for SECONDS
#                        (default 60 s each)
#   scripts/fuzz.sh [--target NAME] --repro FILE              run one input once (trace_reader
#                                                             unless NAME)
#   scripts/fuzz.sh [--target NAME] --minimize FILE [SECONDS] shrink a crashing input (60 s)
#
# Everything goes under build-fuzz/ at the repository root (git-ignored by /build*/):
#   build-fuzz/fuzz_NAME              the fuzzers
#   build-fuzz/corpus/                trace_reader's working corpus, kept between runs; seeded on
#                                     every run from tests/malformed/*.jsonl and tests/fuzz/seeds/*
#   build-fuzz/corpus-NAME/           another target's, seeded from tests/fuzz/seeds-NAME/*
#   build-fuzz/runs/STAMP-NAME/       one run: fuzz.log and the crash-/leak-/timeout-/oom- inputs
#   build-fuzz/minimized/             what --minimize made
# Exits 0 if the time ran out without a finding, 1 if the fuzzer found one (the inputs' paths are
# printed), 2 on a usage error, 3 if the build fails. Works from any directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build-fuzz"
CXX="${CXX:-clang++-14}"
ALL_TARGETS=(trace_reader launch_forms proc_text frame_names)

usage() {
    cat <<EOF2
usage: scripts/fuzz.sh [--target NAME] [SECONDS] [-- LIBFUZZER_FLAG...]
       scripts/fuzz.sh [--target NAME] --repro FILE
       scripts/fuzz.sh [--target NAME] --minimize FILE [SECONDS]

Targets (NAME): ${ALL_TARGETS[*]}. Builds tests/fuzz/fuzz_NAME.cpp with $CXX
(-fsanitize=fuzzer,address,undefined) into build-fuzz/, seeds its corpus (trace_reader: from
tests/malformed/*.jsonl and tests/fuzz/seeds/; others: tests/fuzz/seeds-NAME/) and fuzzes for
SECONDS seconds (default 60) per target, one after the other, with -max_len=65536
-rss_limit_mb=2048 -timeout=10 and the target's dictionary (tests/fuzz/*.dict). Without --target
every target is fuzzed; --repro and --minimize take trace_reader unless --target says otherwise.
Flags after -- go to libFuzzer as given (e.g. -- -seed=1). Exit status: 0 no finding, 1 a
crash/leak/timeout/OOM (its input's path is printed), 2 usage error, 3 build error.
EOF2
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
input=""
extra=()
targets=()
if [[ "${1:-}" == "--target" ]]; then
    [[ $# -ge 2 ]] || die_usage "--target needs a NAME"
    [[ " ${ALL_TARGETS[*]} " == *" $2 "* ]] || die_usage "no such target: $2 (${ALL_TARGETS[*]})"
    targets=("$2")
    shift 2
fi
case "${1:-}" in
-h | --help)
    usage
    exit 0
    ;;
--repro | --minimize)
    mode="${1#--}"
    [[ $# -ge 2 ]] || die_usage "$1 needs a FILE"
    input="$(cd "$(dirname "$2")" 2>/dev/null && pwd)/$(basename "$2")" ||
        die_usage "no such file: $2"
    [[ -f "$input" ]] || die_usage "no such file: $2"
    if [[ "$mode" == minimize && $# -ge 3 ]]; then
        positive_int "$3" || die_usage "SECONDS must be a positive integer (got '$3')"
        seconds="$3"
    fi
    [[ $# -le 3 && ($mode == minimize || $# -le 2) ]] || die_usage "too many arguments"
    [[ ${#targets[@]} -gt 0 ]] || targets=(trace_reader)
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
    [[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")
    ;;
esac

# --- what each target is made of ---
# trace_reader: the reader and exactly what it links against: the enums' toString() (Event,
# Snapshot, Deadlock; Deadlock.cpp brings in MutexProbe.cpp), the Trace it fills, the tables'
# text (TableText) and the writer the target compares the two ways of reading with (TraceFile,
# with WaitStatus for signal names). WaitStatus's forExit/forSignal are inline; nlohmann/json is
# header-only; simdjson is the system library (not instrumented: coverage comes from the reader
# that drives it).
# launch_forms: the recognisers, the plumbing that reads the same forms, and ProcDir (the
# plumbing reads /proc/PID/exe when the tracer does not pass the executable).
# proc_text: the parsers and the readers beside them in the same files (ProcDir, Snapshot).
# frame_names: the name helpers and the packed stack text (hex() from Text).
sources_of() {
    case "$1" in
    trace_reader)
        SOURCES=(
            tests/fuzz/fuzz_trace_reader.cpp
            core/trace/TraceReader.cpp
            core/trace/LineReader.cpp
            core/trace/Roles.cpp
            core/trace/Names.cpp
            core/trace/TraceStackField.cpp
            core/trace/StackText.cpp
            core/probe/FrameName.cpp
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
        LIBS=(-lsimdjson)
        DICT="$ROOT/tests/fuzz/trace.dict"
        CORPUS="$OUT/corpus"
        SEEDS=("$ROOT"/tests/malformed/*.jsonl "$ROOT"/tests/fuzz/seeds/*)
        ;;
    launch_forms)
        SOURCES=(
            tests/fuzz/fuzz_launch_forms.cpp
            core/sandbox/LaunchForms.cpp
            core/sandbox/Roles.cpp
            core/sandbox/CPythonPlumbing.cpp
            core/probe/ProcDir.cpp
            core/probe/Snapshot.cpp
            core/trace/Event.cpp
            core/base/WaitStatus.cpp
        )
        LIBS=()
        DICT="$ROOT/tests/fuzz/launch_forms.dict"
        CORPUS="$OUT/corpus-launch_forms"
        SEEDS=("$ROOT"/tests/fuzz/seeds-launch_forms/*)
        ;;
    proc_text)
        SOURCES=(
            tests/fuzz/fuzz_proc_text.cpp
            core/probe/ProcStatus.cpp
            core/probe/Threads.cpp
            core/probe/ShmMaps.cpp
            core/probe/FdTable.cpp
            core/probe/ProcDir.cpp
            core/probe/Snapshot.cpp
        )
        LIBS=()
        DICT="$ROOT/tests/fuzz/proc_text.dict"
        CORPUS="$OUT/corpus-proc_text"
        SEEDS=("$ROOT"/tests/fuzz/seeds-proc_text/*)
        ;;
    frame_names)
        SOURCES=(
            tests/fuzz/fuzz_frame_names.cpp
            core/probe/FrameName.cpp
            core/trace/StackText.cpp
            core/base/Text.cpp
        )
        LIBS=()
        DICT="$ROOT/tests/fuzz/frame_names.dict"
        CORPUS="$OUT/corpus-frame_names"
        SEEDS=("$ROOT"/tests/fuzz/seeds-frame_names/*)
        ;;
    esac
}

# --- build ---
command -v "$CXX" >/dev/null || {
    echo "fuzz.sh: $CXX not found (install clang-14 and libclang-rt-14-dev, or set CXX)" >&2
    exit 3
}
mkdir -p "$OUT/obj"
# Coverage feedback is only wanted from the code under test: Trace's constructor zeroes three
# 64k-entry chunk tables (AppendOnly), a loop that would otherwise cost ~20% of every run.
# ASan and UBSan still check that code.
IGNORE="$OUT/coverage-ignore.txt"
cat >"$IGNORE" <<'EOF2'
src:*/core/trace/Trace.cpp
fun:*AppendOnly*
fun:*unique_ptr*
fun:*__uniq_ptr_impl*
fun:*__get_helper*
EOF2
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
build() {
    local name="$1" src obj pid failed=0
    local bin="$OUT/fuzz_$name"
    shopt -s nullglob
    sources_of "$name"
    shopt -u nullglob
    echo "fuzz.sh: building $bin" >&2
    local objs=() pids=()
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
    for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" || failed=1; done
    [[ $failed == 0 ]] || {
        echo "fuzz.sh: compiling failed" >&2
        exit 3
    }
    "$CXX" "${FLAGS[@]}" "${objs[@]}" ${LIBS[@]+"${LIBS[@]}"} -o "$bin" || {
        echo "fuzz.sh: linking failed (an undefined symbol means sources_of in this script" \
            "needs another core/ file)" >&2
        exit 3
    }
}
for t in "${targets[@]}"; do build "$t"; done

# A UB report is a finding, with its stack.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
LIMITS=(-max_len=65536 -rss_limit_mb=2048 -timeout=10)
BIN="$OUT/fuzz_${targets[0]}"

# --- one input, or minimising one ---
if [[ "$mode" == repro ]]; then
    echo "fuzz.sh: running $input with $BIN" >&2
    exec "$BIN" "${LIMITS[@]}" "$input"
fi
if [[ "$mode" == minimize ]]; then
    mkdir -p "$OUT/minimized"
    min="$OUT/minimized/$(basename "$input")"
    echo "fuzz.sh: minimising $input with $BIN for ${seconds}s into $min" >&2
    set +e
    "$BIN" "${LIMITS[@]}" -minimize_crash=1 -max_total_time="$seconds" \
        -exact_artifact_path="$min" "$input"
    rc=$?
    set -e
    if [[ -f "$min" ]]; then
        echo "fuzz.sh: minimised input: $min ($(stat -c %s "$min") bytes)" >&2
        exit 0
    fi
    echo "fuzz.sh: nothing minimised (exit $rc): does $input crash? try --repro" >&2
    exit 1
fi

# --- fuzz ---
# Each target in turn; the exit status is 1 if any of them found something.
fuzz() {
    local name="$1" s rc
    shopt -s nullglob
    sources_of "$name"
    local found=()
    shopt -u nullglob
    local bin="$OUT/fuzz_$name"
    local run="$OUT/runs/$(date +%Y%m%d-%H%M%S)-$$-$name"
    local log="$run/fuzz.log"
    mkdir -p "$CORPUS" "$run"
    [[ ${#SEEDS[@]} -gt 0 ]] || echo "fuzz.sh: warning: no seed files found for $name" >&2
    for s in ${SEEDS[@]+"${SEEDS[@]}"}; do
        # Named after where they came from, so a seed that changes is added anew.
        cp -f "$s" "$CORPUS/seed-$(basename "$(dirname "$s")")-$(basename "$s")"
    done
    echo "fuzz.sh: fuzzing $name for ${seconds}s; corpus $CORPUS" \
        "($(find "$CORPUS" -type f | wc -l) files), log $log" >&2

    set +e
    "$bin" "${LIMITS[@]}" -max_total_time="$seconds" -print_final_stats=1 \
        -dict="$DICT" -artifact_prefix="$run/" ${extra[@]+"${extra[@]}"} \
        "$CORPUS" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e

    shopt -s nullglob
    found=("$run"/crash-* "$run"/leak-* "$run"/timeout-* "$run"/oom-* "$run"/slow-unit-*)
    shopt -u nullglob
    echo
    echo "=== fuzz.sh summary: $name ==="
    grep -E '^#[0-9]+' "$log" | tail -n 1 || true
    grep -E '^(Done [0-9]+ runs|stat::)' "$log" || true
    echo "corpus: $(find "$CORPUS" -type f | wc -l) files, $(du -sh "$CORPUS" | cut -f1) in $CORPUS"
    echo "log: $log"
    if [[ ${#found[@]} -gt 0 || $rc -ne 0 ]]; then
        echo "FINDING ($name): the fuzzer stopped with exit status $rc" >&2
        for f in ${found[@]+"${found[@]}"}; do
            echo "  input: $f ($(stat -c %s "$f") bytes)" >&2
            echo "  reproduce: scripts/fuzz.sh --target $name --repro $f" >&2
            echo "  minimise:  scripts/fuzz.sh --target $name --minimize $f" >&2
        done
        [[ ${#found[@]} -gt 0 ]] || echo "  (no input was saved: see the log)" >&2
        return 1
    fi
    echo "no finding in ${seconds}s ($name)"
}
status=0
for t in "${targets[@]}"; do fuzz "$t" || status=1; done
exit $status
