// The observed program cannot fool or slip past the recorder (DESIGN §3 "Trust", issue 11):
// hostile fixtures of the repo's own, and what the trace then holds.
#include "SandboxHelpers.hpp"

#include "core/probe/Deadlock.hpp"
#include "core/sandbox/MarkerSyscall.hpp"
#include "core/sandbox/SeccompFilter.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceReader.hpp"

#include <csignal>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <sys/prctl.h>
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
    // A filter of the program's own, which may take its execs from ours; nothing else of either.
    CHECK(call(SYS_seccomp, {SECCOMP_SET_MODE_FILTER, 0, 0}) == Trap::Seccomp);
    CHECK(call(SYS_seccomp, {SECCOMP_GET_ACTION_AVAIL, 0, 0}) == std::nullopt);
    CHECK(call(SYS_prctl, {PR_SET_SECCOMP, SECCOMP_MODE_FILTER}) == Trap::Seccomp);
    CHECK(call(SYS_prctl, {PR_SET_NAME, 0}) == std::nullopt);
    CHECK(call(0x40000000 | SYS_seccomp, {SECCOMP_SET_MODE_FILTER}) == Trap::Seccomp);
    CHECK(call(354, {SECCOMP_SET_MODE_FILTER}, AUDIT_ARCH_I386) == Trap::Seccomp);
    CHECK(call(172, {PR_SET_SECCOMP}, AUDIT_ARCH_I386) == Trap::Seccomp);
    // i386 numbers mean other syscalls: its execve (11) and execveat (358) are trapped.
    CHECK(call(11, {}, AUDIT_ARCH_I386) == Trap::Exec);
    CHECK(call(358, {}, AUDIT_ARCH_I386) == Trap::Exec);
    CHECK(call(SYS_kill, {1, 15}, AUDIT_ARCH_I386) == std::nullopt);
    CHECK(call(4, {1, 0, 5}, AUDIT_ARCH_I386) == std::nullopt);
    // clone with CLONE_UNTRACED stops for the tracer (it clears the flag); clone3 is refused.
    CHECK(call(SYS_clone, {CLONE_UNTRACED | SIGCHLD}) == Trap::Clone);
    CHECK(call(SYS_clone, {SIGCHLD}) == std::nullopt);
    CHECK(call(120, {CLONE_UNTRACED | SIGCHLD}, AUDIT_ARCH_I386) == Trap::Clone);
    seccomp_data d{};
    d.arch = AUDIT_ARCH_X86_64;
    d.nr = SYS_clone3;
    CHECK(runSeccompFilter(buildSeccompFilter(), d) == (SECCOMP_RET_ERRNO | ENOSYS));
    d.arch = AUDIT_ARCH_I386;
    d.nr = 435;
    CHECK(runSeccompFilter(buildSeccompFilter(), d) == (SECCOMP_RET_ERRNO | ENOSYS));
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
            CHECK(after.size() == 10);
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

TEST_CASE("no clone flag hides a process: CLONE_UNTRACED children are recorded and killed",
          "[sandbox][trust]") {
    for (const char* how : {"clone", "clone3"}) {
        for (bool ns : {true, false}) {
            INFO(how << (ns ? ", namespaces" : ", no namespaces"));
            Run r = runInSandbox({fixture("untraced_clone"), how}, ns);
            INFO(r.story());
            CHECK(r.exitCode == 0);
            World w = r.world();
            pid_t root = 0;
            for (auto& [pid, p] : w.procs)
                if (p.role != Role::Sandbox && !root) root = pid;
            REQUIRE(root != 0);
            std::string out = outputs(r)[root];
            auto child = valuesOf(out, "child");
            auto grandchild = valuesOf(out, "grandchild");
            REQUIRE(child.size() == 1);
            REQUIRE(grandchild.size() == 1);
            // Each is in the trace (by the pid the program saw), as its parent's child, alive
            // until the sandbox killed it: the run did not end as "every process has exited".
            auto byNspid = [&](long nspid) -> const ProcessView* {
                for (auto& [pid, p] : w.procs)
                    if (p.role != Role::Sandbox && p.nspid == nspid) return &p;
                return nullptr;
            };
            const ProcessView* c = byNspid(child[0]);
            const ProcessView* g = byNspid(grandchild[0]);
            REQUIRE(c);
            REQUIRE(g);
            CHECK(c->parent == root);
            CHECK(g->parent == c->pid);
            CHECK(c->killedBySandbox);
            CHECK(g->killedBySandbox);
            auto ends = r.events(EventKind::RunEnd);
            REQUIRE(ends.size() == 1);
            CHECK(ends[0]->as<ev::RunEnd>().reason == EndReason::Grace);
            // clone3 is refused (its flags are out of a filter's reach); the program fell back.
            if (std::string(how) == "clone3")
                CHECK(out.find("clone3: Function not implemented") != std::string::npos);
            CHECK(out.find("clone: ") == std::string::npos);
        }
    }
}

TEST_CASE("a job-control stop is seen by the parent, as without forklab", "[sandbox][trust]") {
    for (bool ns : {true, false}) {
        INFO((ns ? "namespaces" : "no namespaces"));
        Run r = runInSandbox({fixture("stop_child")}, ns);
        INFO(r.story());
        // The parent's waitpid(WUNTRACED) saw the child stopped by SIGSTOP; SIGCONT ended it.
        std::string out = allOutput(r);
        CHECK(out.find("stopped by " + std::to_string(SIGSTOP) + "\n") != std::string::npos);
        CHECK(out.find("exited 7\n") != std::string::npos);
        CHECK(r.exitCode == 0);
        // The trace shows the parent's SIGCONT to it.
        bool cont = false;
        for (auto* e : r.events(EventKind::Kill)) cont |= e->as<ev::Kill>().sig == SIGCONT;
        CHECK(cont);
    }
}

TEST_CASE("the idle probe freezes and reads a process whose leader called pthread_exit",
          "[sandbox][trust]") {
    Run r = runInSandbox({fixture("leader_exit")});
    INFO(r.story());
    CHECK(r.exitCode == 0);
    World w = r.world();
    pid_t root = 0;
    for (auto& [pid, p] : w.procs)
        if (p.role != Role::Sandbox) root = pid;
    REQUIRE(root != 0);
    CHECK(outputs(r)[root] == "tick 1\ntick 2\ntick 3\n");
    // A probe saw it with its leader a zombie and its worker frozen by the probe (tracing stop).
    bool seen = false;
    for (auto* e : r.events(EventKind::Snapshot)) {
        if (e->pid != root || e->as<ev::Snapshot>().reason != SnapReason::Probe) continue;
        const ProcessSnapshot& s = r.trace->snapshot(e->as<ev::Snapshot>().snap);
        char leader = '?', worker = '?';
        for (auto& t : s.threads) (t.tid == root ? leader : worker) = t.state;
        if (leader != 'Z' || worker != 't') continue;
        seen = true;
        // The process's fds outlive its leader: read through the worker, they are all there.
        // Not partial: the probe stopped every task that can stop, and did not wait on the
        // zombie leader, which never stops (a task it gave up on marks its snapshot partial).
        CHECK(s.findFd(0));
        CHECK(s.findFd(1));
        CHECK(s.findFd(2));
        CHECK_FALSE(s.partial);
    }
    CHECK(seen);
}

TEST_CASE("output past the run's cap is counted, not kept", "[sandbox][trust]") {
    SandboxOptions o;
    o.argv = {"dd", "if=/dev/zero", "bs=1000", "count=300", "status=none"};
    o.outputCap = 65536;
    Run r = runInSandbox(o);
    INFO(r.story());
    CHECK(r.exitCode == 0);
    uint64_t kept = 0, notKept = 0;
    size_t records = 0;
    std::set<pid_t> exited;
    bool countedBeforeExit = true;
    for (size_t i = 0; i < r.trace->size(); ++i) {
        const Event& e = (*r.trace)[i];
        if (e.kind == EventKind::Exit) exited.insert(e.pid);
        auto* out = e.get<ev::Output>();
        if (!out) continue;
        kept += r.trace->str(out->text).size();
        if (out->notKept) {
            ++records;
            notKept += out->notKept;
            countedBeforeExit &= !exited.count(e.pid);
            CHECK(r.trace->str(out->text).empty());
            CHECK(out->fd == 1);
        }
    }
    // Exactly the cap is kept (the 66th write in part); every other byte dd wrote is counted,
    // in one record, before its exit.
    CHECK(kept == 65536);
    CHECK(kept + notKept == 300'000);
    CHECK(records == 1);
    CHECK(countedBeforeExit);

    // The count survives the trace file.
    std::string path = "/tmp/forklab-cap-" + std::to_string(getpid()) + ".forklab.jsonl";
    RemovedAtEnd removed{path};
    std::string err;
    REQUIRE(writeJsonlFile(*r.trace, path, &err));
    Trace back;
    auto problem = readJsonlFile(path, back);
    REQUIRE_FALSE(problem);
    uint64_t readBack = 0;
    for (size_t i = 0; i < back.size(); ++i)
        if (auto* out = back[i].get<ev::Output>()) readBack += out->notKept;
    CHECK(readBack == notKept);
}

TEST_CASE("a worker left alone by its leader's pthread_exit gets verdict (b)", "[sandbox][trust]") {
    Run r = runInSandbox({fixture("leader_exit_futex")});
    INFO(r.story());
    CHECK(r.exitCode == 0);
    auto verdicts = r.events(EventKind::Deadlock);
    REQUIRE(verdicts.size() == 1);
    const auto& d = verdicts[0]->as<ev::Deadlock>();
    CHECK(d.rule == uint8_t(DeadlockRule::NobodyToWake));
    // The waiting thread is the worker, and the futex word was read through it: the zombie
    // leader has no memory to read.
    CHECK(d.tid != verdicts[0]->pid);
    std::string evidence(r.trace->str(d.evidence));
    CHECK(evidence.find("futex word=0") != std::string::npos);
    World w = r.world();
    const ProcessView* child = w.find(verdicts[0]->pid);
    REQUIRE(child);
    CHECK(child->killedBySandbox);
}
