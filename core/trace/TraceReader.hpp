#pragma once
// Reads a native trace file (.forklab.jsonl, docs/trace-format.md) back into a Trace. The file may
// hold any bytes: the reader streams it one bounded line at a time, checks every field's presence,
// type and range, stops at the first problem and names its line. It never throws.
#include "Trace.hpp"

#include <cstddef>
#include <istream>
#include <optional>
#include <string>

namespace forklab {

// Longest line accepted: far above what the writer emits (a snapshot of a process with ~100k
// open fds), and low enough that a file without newlines cannot exhaust memory.
constexpr size_t kMaxTraceLineBytes = size_t(16) << 20;

// A snapshot table whose text an earlier line had is taken as read then (TableText.hpp), which
// makes a recorder's file ~2x faster to read; Decode reads every table anew (for tests that hold
// the two to the same result).
enum class KnownTables { Reuse, Decode };

// `out` must be a fresh Trace. Returns nullopt on success, else one message naming the line
// ("line 17: field \"pid\" must be an integer (got \"12\")"); `out` then holds what the lines
// before it described, and should be discarded.
std::optional<std::string> readJsonl(std::istream& in, Trace& out,
                                     KnownTables known = KnownTables::Reuse);
std::optional<std::string> readJsonlFile(const std::string& path, Trace& out);

} // namespace forklab
