// The observed program cannot fool or slip past the recorder (DESIGN §3 "Trust", issue 11):
// hostile fixtures of the repo's own, and what the trace then holds.
#include "SandboxHelpers.hpp"

#include "core/sandbox/MarkerSyscall.hpp"
#include "core/sandbox/SeccompFilter.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <sys/syscall.h>

#include <map>
#include <set>
#include <sstream>

using namespace forklab;
using namespace forklab::test;

namespace {

// Everything the program wrote to fds 1 and 2, per process, as the trace recorded it.
std::map<pid_t, std::string> outputs(const Run& r) {
    std::map<pid_t, std::string> out;
    for (auto* e : r.events(EventKind::Output))
        out[e->pid] += std::string(r.trace->str(e->as<ev::Output>().text));
    return out;
}

std::string allOutput(const Run& r) {
    std::string s;
    for (auto& [pid, text] : outputs(r)) s += text;
    return s;
}

// The numbers after "KEY " on each line of text.
std::vector<long> valuesOf(const std::string& text, const std::string& key) {
    std::vector<long> v;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, key.size() + 1, key + " ") == 0)
            v.push_back(std::stol(line.substr(key.size() + 1)));
    return v;
}

size_t snapshotsFor(const Run& r, SnapReason why) {
    size_t n = 0;
    for (auto* e : r.events(EventKind::Snapshot)) n += e->as<ev::Snapshot>().reason == why;
    return n;
}

} // namespace

TEST_CASE("a trap is the recorder's only for a syscall its own filter traps", "[trust]") {
    auto call = [](int nr, std::initializer_list<uint64_t> args,
                   uint32_t arch = AUDIT_ARCH_X86_64) {
        seccomp_data d{};
        d.nr = nr;
        d.arch = arch;
        int i = 0;
        for (uint64_t a : args) d.args[i++] = a;
        return forklabTrap(d);
    };
    CHECK(call(SYS_getpid, {}) == std::nullopt);
    CHECK(call(SYS_write, {1, 0, 5}) == Trap::Write);
    CHECK(call(SYS_write, {2, 0, 5}) == Trap::Write);
    CHECK(call(SYS_write, {3, 0, 5}) == std::nullopt);
    CHECK(call(SYS_openat, {uint64_t(AT_FDCWD), 0, O_CREAT}) == Trap::Create);
    CHECK(call(SYS_openat, {uint64_t(AT_FDCWD), 0, O_RDONLY}) == std::nullopt);
    CHECK(call(int(kMarkerSyscall), {0, 0, 0, 0}) == Trap::Marker);
    CHECK(call(SYS_execve, {}) == Trap::Exec);
    CHECK(call(SYS_kill, {1, 15}) == Trap::Kill);
    // i386 numbers mean other syscalls: only its execve (11) and execveat (358) are trapped.
    CHECK(call(11, {}, AUDIT_ARCH_I386) == Trap::Exec);
    CHECK(call(358, {}, AUDIT_ARCH_I386) == Trap::Exec);
    CHECK(call(SYS_kill, {1, 15}, AUDIT_ARCH_I386) == std::nullopt);
    CHECK(call(4, {1, 0, 5}, AUDIT_ARCH_I386) == std::nullopt);
}

TEST_CASE("a program's own seccomp filter cannot forge the recorder's traps", "[sandbox][trust]") {
    for (const char* mode : {"getpid", "all"}) {
        for (bool ns : {true, false}) {
            INFO("mode " << mode << (ns ? ", namespaces" : ", no namespaces"));
            Run r = runInSandbox({fixture("forge_traps"), mode}, ns);
            INFO(r.story());
            // It ran, and every getpid it made after installing its filter returned its pid.
            CHECK(r.exitCode == 0);
            World w = r.world();
            pid_t root = 0;
            for (auto& [pid, p] : w.procs)
                if (p.role != Role::Sandbox) root = pid;
            REQUIRE(root != 0);
            std::string out = outputs(r)[root];
            auto before = valuesOf(out, "pid before");
            auto after = valuesOf(out, "getpid");
            REQUIRE(before.size() == 1);
            CHECK(before[0] == w.procs.at(root).nspid);
            CHECK(after.size() == 8);
            for (long v : after) CHECK(v == before[0]);
            // Nothing forged: no marker, kill, /dev/shm event, exec snapshot or output that the
            // program did not really make. Its one exec (the launcher's) has its one pre-exec
            // snapshot.
            CHECK(r.events(EventKind::Marker).empty());
            CHECK(r.events(EventKind::Kill).empty());
            CHECK(r.events(EventKind::ShmCreate).empty());
            CHECK(r.events(EventKind::ShmUnlink).empty());
            CHECK(r.events(EventKind::Exec).size() == 1);
            CHECK(snapshotsFor(r, SnapReason::PreExec) == 1);
            CHECK(allOutput(r).find("FORGED") == std::string::npos);
        }
    }
}
