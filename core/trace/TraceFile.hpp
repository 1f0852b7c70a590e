#pragma once
// The native trace file, .forklab.jsonl: a version header, then one JSON object per event, each
// with "t" (ns since start) and "kind". Documented in docs/trace-format.md.
#include "Trace.hpp"

#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>

namespace forklab {

constexpr int kTraceFormatVersion = 1;

nlohmann::json eventToJson(const Trace& trace, const Event& e);
nlohmann::json snapshotToJson(const ProcessSnapshot& s);
void writeJsonl(const Trace& trace, std::ostream& out);
bool writeJsonlFile(const Trace& trace, const std::string& path, std::string* error);

} // namespace forklab
