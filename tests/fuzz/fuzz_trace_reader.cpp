// libFuzzer target for the trace importer (core/trace/TraceReader.cpp): any bytes fed to
// readJsonl must come back as nullopt or one "line N: ..." message, never a crash, a hang or
// unbounded memory; and reusing known tables must give exactly what decoding every table gives.
// Built and run by scripts/fuzz.sh (not part of the CMake build).
#include "core/trace/StackText.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceReader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    auto read = [&](forklab::Trace& trace, forklab::KnownTables known) {
        std::istringstream in(bytes, std::ios::in | std::ios::binary);
        return forklab::readJsonl(in, trace, known);
    };
    forklab::Trace trace, decoded;
    std::optional<std::string> error = read(trace, forklab::KnownTables::Reuse);
    std::optional<std::string> expected = read(decoded, forklab::KnownTables::Decode);
    auto text = [](const forklab::Trace& t) {
        std::ostringstream out;
        forklab::writeJsonl(t, out);
        return out.str();
    };
    if (error != expected || (!error && text(trace) != text(decoded))) {
        std::fprintf(stderr, "reusing known tables read differently: %.200s / %.200s\n",
                     error.value_or("ok").c_str(), expected.value_or("ok").c_str());
        std::abort();
    }
    // A verdict's stack, as every view shows it: names from the file, bounded.
    for (size_t i = 0; !error && i < trace.size(); ++i)
        if (auto* d = trace[i].get<forklab::ev::Deadlock>()) {
            forklab::ThreadStack s = forklab::unpackStack(trace.str(d->stack));
            if (s.frames.size() > forklab::kMaxStackFrames) std::abort();
            if (forklab::stackLine(s).size() > 64 * 1024) std::abort();
        }
    if (error) {
        // The contract: every refusal names its line (or is one of the two whole-file messages).
        const std::string& e = *error;
        bool named = e.rfind("line ", 0) == 0 || e.rfind("empty file", 0) == 0;
        if (!named || e.size() > 4096) {
            std::fprintf(stderr, "readJsonl returned a malformed message: %.200s\n", e.c_str());
            std::abort();
        }
    }
    return 0;
}
