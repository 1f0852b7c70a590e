// libFuzzer target for a stack frame's names (core/probe/FrameName.cpp) and the packed stack
// text (core/trace/StackText.cpp). Symbol and file names come from the program's own ELF files,
// so any bytes must come out bounded, free of control bytes, without a crash, a hang or a throw;
// and packing what was unpacked must give it back. Built and run by scripts/fuzz.sh.
#include "core/probe/FrameName.hpp"
#include "core/trace/StackText.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace forklab;

namespace {
bool clean(const std::string& s) {
    for (char c : s)
        if (uint8_t(c) < 0x20 || c == 0x7f) return false;
    return true;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::string sym = readableSymbol(text, kMaxFrameFunction);
    if (sym.size() > kMaxFrameFunction || !clean(sym)) std::abort();
    std::string shortName = shortFunctionName(sym);
    if (shortName.size() > sym.size()) std::abort();
    std::string c = cleanName(text, 64);
    if (c.size() > 64 || !clean(c)) std::abort();

    ThreadStack s = unpackStack(text);
    if (s.frames.size() > kMaxStackFrames) std::abort();
    std::string line = stackLine(s);
    (void)line;
    // What was unpacked packs to text that unpacks to the same stack.
    std::string packed = packStack(s);
    if (packStack(unpackStack(packed)) != packed) std::abort();
    return 0;
}
