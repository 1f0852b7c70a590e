#pragma once
// A trace as Chrome Trace Event JSON, for Perfetto (ui.perfetto.dev) and chrome://tracing.
// The field rules are those of shared/reference/peers.md §2; what each forklab event becomes:
//
//  - every process is a pid (the tracer-side pid, always > 0) named by "M" process_name
//    ("1234 forklab-lessons [spawn-child] (pid 4 inside)"), with process_sort_index in tree order
//    (parents above their children) and thread_name / thread_sort_index for its tracks;
//  - on its main track (tid = pid): an "X" slice for its whole life, nested "X" slices for each
//    program image (before the first exec, then one per exec), a short "X" slice for each
//    fork/vfork it made, and a "DEADLOCKED" slice from a verdict to its end;
//  - each non-main thread: a track (tid) with an "X" slice for its life;
//  - fork arrows: flow "s" inside the parent's fork slice, "f" with "bp":"e" inside the child's
//    first slices; integer ids, same cat and name on both ends;
//  - instants ("i"): exec, output, annotations ("t": on the main track); exit, verdicts, kills,
//    teardown kills, shm create/unlink ("p"); steps, leaks, run start/end ("g");
//  - counters ("C") on the sandbox's pid: live processes, live named /dev/shm entries.
//
// Times: "ts"/"dur" are µs (fractional: the trace's ns are kept) on the trace's clock, so the
// story's "[0.028]" is Perfetto's 28 ms. Order: the "M" events come first, then every other event
// in non-decreasing "ts" (at equal ts, longer slices first), so each (pid, tid) track is
// monotone in file order and viewers never need to sort. The file is written as it is made, in
// two walks over the events (names and lives first), not built whole in memory.
#include "Trace.hpp"

#include <ostream>

namespace forklab {

void writeChromeJson(const Trace& trace, std::ostream& out);

} // namespace forklab
