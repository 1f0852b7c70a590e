#pragma once
// A reading of the bytes CPython pickled into a data pipe, by the same interpreter's own
// `pickletools`, run outside the sandbox after the run (bounded in size and time). The bytes the
// recorder caught are the fact; this is an aid to read them, labelled with the tool that made it.
// pickletools disassembles without unpickling: nothing in the bytes is executed.
#include <string>
#include <string_view>

namespace forklab {

struct PickleReading {
    bool ok = false;
    std::string tool; // "/root/.pyenv/versions/3.11.7/bin/python3.11 -m pickletools"
    std::string text; // pickletools.dis of each pickle in turn, or why there is none
};

// Only an interpreter this machine has (the lessons' one, or one findPythons() found) is run:
// `exe` comes from a trace, which may have been written anywhere.
std::string trustedInterpreter(const std::string& exe);

// At most kMaxBytes are read (the rest is said to be left out); the run is killed after 10 s.
inline constexpr size_t kPickleReadingMaxBytes = 32 * 1024;
PickleReading readPickles(const std::string& exe, std::string_view bytes);

} // namespace forklab
