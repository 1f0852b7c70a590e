// What an exec event says about the exec — the filename it was given and the fd table just
// before it — is read at that exec's own execve stop, by the thread that made it. The programs
// here try to pass another stop's reading off as the exec's (tests/fixtures/exec_races.c).
#include "SandboxHelpers.hpp"

using namespace forklab;
using namespace forklab::test;

namespace {

struct ExecSeen {
    std::string path, exe;
    const ProcessSnapshot* before = nullptr;
    const ProcessSnapshot* after = nullptr;
};

// The program's own exec (the second: the first is the launcher's exec of the fixture).
ExecSeen secondExec(const Run& r) {
    auto execs = r.events(EventKind::Exec);
    REQUIRE(execs.size() == 2);
    const auto& x = execs[1]->as<ev::Exec>();
    ExecSeen s{std::string(r.trace->str(x.path)), std::string(r.trace->str(x.exe))};
    if (x.before != kNoSnap) s.before = &r.trace->snapshot(x.before);
    if (x.after != kNoSnap) s.after = &r.trace->snapshot(x.after);
    return s;
}

} // namespace

TEST_CASE("an exec's path and table before it are its own thread's, at its own stop",
          "[sandbox][exec][fds][trust]") {
    for (bool ns : {true, false}) {
        for (std::string mode : {"decoy", "unshare", "notif"}) {
            INFO(mode << (ns ? ", namespaces" : ", no namespaces"));
            Run r = runInSandbox({fixture("exec_races"), mode}, ns);
            INFO(r.story());
            if (r.exitCode == 3) {
                WARN("exec_races " << mode << ": the kernel refused the setup; skipped");
                continue;
            }
            CHECK(r.exitCode == 0);
            const ExecSeen x = secondExec(r);
            REQUIRE(x.after);
            CHECK(x.exe == "/usr/bin/true");
            if (mode == "decoy") {
                // Another thread's failing attempts stopped too, before and after this one's.
                CHECK(x.path == "/bin/true");
                REQUIRE(x.before);
            } else if (mode == "unshare") {
                // The exec'ing thread's own table: fd 9 on /etc/passwd, no fd 0 — kept by exec.
                CHECK(x.path == "/bin/true");
                REQUIRE(x.before);
                const FdEntry* nine = x.before->findFd(9);
                REQUIRE(nine);
                CHECK(nine->target == "/etc/passwd");
                CHECK(x.before->findFd(0) == nullptr);
                CHECK(x.after->findFd(9));
                CHECK(x.after->findFd(0) == nullptr);
            } else {
                // The program's own filter took this execve from forklab's trap, so nothing was
                // read before it: not the failed attempt's table (fd 5 on /etc/hostname), and
                // not its path either.
                CHECK(x.before == nullptr);
                CHECK(x.path == "/usr/bin/true");
                const FdEntry* five = x.after->findFd(5);
                REQUIRE(five);
                CHECK(five->target == "/etc/passwd");
            }
        }
    }
}

TEST_CASE("with no tables read, a failed exec's path still does not pass for a later exec's",
          "[sandbox][exec][trust]") {
    SandboxOptions o;
    o.argv = {fixture("exec_races"), "notif"};
    o.snapshots = false;
    Run r = runInSandbox(o);
    INFO(r.story());
    if (r.exitCode == 3) {
        WARN("exec_races notif: the kernel refused the setup; skipped");
        return;
    }
    CHECK(r.exitCode == 0);
    const ExecSeen x = secondExec(r);
    CHECK(x.path == "/usr/bin/true"); // not /nonexistent/forklab-exec-races-2
    CHECK(x.before == nullptr);
    CHECK(x.after == nullptr);
}
