// libFuzzer target for the parsers of /proc text (core/probe): status, stat, syscall, maps,
// fdinfo and fd link targets. A program shapes some of this text (its comm, the names it maps
// under /dev/shm), so any bytes must parse without a crash, a hang or a throw. The first byte
// picks the parser; the rest is the file's text. Built and run by scripts/fuzz.sh.
#include "core/probe/FdTable.hpp"
#include "core/probe/ProcStatus.hpp"
#include "core/probe/ShmMaps.hpp"
#include "core/probe/Threads.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace forklab;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
    case 0:
        if (auto st = parseProcStatus(text); st && st->nspid.size() > text.size()) std::abort();
        break;
    case 1: {
        char c = parseStatState(text);
        if (c != '?' && text.find(c) == std::string::npos) std::abort(); // a letter of the text
        // Both read the state after the last ')': where parseProcStat reads one, it is that one.
        if (auto st = parseProcStat(text); st && st->state != c) std::abort();
        break;
    }
    case 2:
        parseSyscallLine(text);
        break;
    case 3:
        for (auto& m : parseShmMappings(text))
            if (m.path.rfind("/dev/shm/", 0) != 0) {
                std::fprintf(stderr, "a mapping outside /dev/shm: %s\n", m.path.c_str());
                std::abort();
            }
        break;
    case 4: {
        uint32_t flags = 0;
        uint64_t inode = 0;
        parseFdInfoFlags(text, &flags);
        classifyFdTarget(text, &inode);
        break;
    }
    }
    return 0;
}
