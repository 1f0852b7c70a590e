// libFuzzer target for the trace importer (core/trace/TraceReader.cpp): any bytes fed to
// readJsonl must come back as nullopt or one "line N: ..." message, never a crash, a hang or
// unbounded memory. Built and run by scripts/fuzz.sh (not part of the CMake build).
#include "core/trace/TraceReader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size),
                          std::ios::in | std::ios::binary);
    forklab::Trace trace;
    std::optional<std::string> error = forklab::readJsonl(in, trace);
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
