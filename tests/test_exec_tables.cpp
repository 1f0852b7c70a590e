// The fd table after an exec is derived from the one read at its execve stop (ExecTable.hpp)
// where that is exact. These tests hold the derivation to the kernel's own table, read at the
// exec stop, and give it the programs that could make it wrong.
#include "SandboxHelpers.hpp"
#include "core/probe/ExecTable.hpp"

#include <tuple>

using namespace forklab;
using namespace forklab::test;

namespace {

struct ExecSeen {
    pid_t pid = 0;
    std::string path;
    const ProcessSnapshot* before = nullptr;
    const ProcessSnapshot* after = nullptr;
};

std::vector<ExecSeen> execs(const Run& r) {
    std::vector<ExecSeen> out;
    for (const Event* e : r.events(EventKind::Exec)) {
        const auto& x = e->as<ev::Exec>();
        ExecSeen s{e->pid, std::string(r.trace->str(x.path))};
        if (x.before != kNoSnap) s.before = &r.trace->snapshot(x.before);
        if (x.after != kNoSnap) s.after = &r.trace->snapshot(x.after);
        out.push_back(s);
    }
    return out;
}

// A table as two runs of one program can agree on: a pipe's or socket's inode is the run's own.
using Row = std::tuple<int, std::string, FdKind, AccessMode, bool, uint32_t>;
std::vector<Row> shape(const ProcessSnapshot& s) {
    std::vector<Row> out;
    for (const FdEntry& f : s.fds) {
        bool own = f.kind == FdKind::Pipe || f.kind == FdKind::Socket;
        out.emplace_back(f.fd, own ? toString(f.kind) : f.target, f.kind, f.access, f.cloexec,
                         f.flags);
    }
    return out;
}

std::string describe(const ProcessSnapshot& s) {
    std::string out;
    for (const FdEntry& f : s.fds)
        out += std::to_string(f.fd) + "=" + f.target + (f.cloexec ? " (cloexec) " : " ");
    return out;
}

// The last snapshot of a process taken at its exit stop.
const ProcessSnapshot* exitTable(const Run& r, pid_t pid) {
    const ProcessSnapshot* out = nullptr;
    for (const Event* e : r.events(EventKind::Snapshot))
        if (e->pid == pid && e->as<ev::Snapshot>().reason == SnapReason::Exit)
            out = &r.trace->snapshot(e->as<ev::Snapshot>().snap);
    return out;
}

FdEntry fd(int n, const char* target, bool cloexec) {
    FdEntry e;
    e.fd = n;
    e.target = target;
    e.kind = FdKind::File;
    e.cloexec = cloexec;
    e.flags = cloexec ? 02100000 : 0100000;
    return e;
}

ProcessSnapshot stopTable(std::vector<FdEntry> fds) {
    ProcessSnapshot s;
    s.pid = 42;
    s.nspid = 2;
    s.state = 't';
    s.full = false;
    s.fds = std::move(fds);
    ThreadState t;
    t.tid = 42;
    s.threads = {t};
    return s;
}

} // namespace

TEST_CASE("the kernel's close-on-exec rule, and where it is not trusted", "[exec][fds]") {
    ProcessSnapshot before =
        stopTable({fd(0, "/dev/null", false), fd(3, "/etc/hostname", true), fd(4, "/x", false)});
    auto after = tableAfterExec(before, {4, 0}); // listed in any order
    REQUIRE(after);
    CHECK(after->derived);
    REQUIRE(after->fds.size() == 2);
    CHECK(after->fds[0] == before.fds[0]);
    CHECK(after->fds[1] == before.fds[2]);
    CHECK(after->pid == before.pid);
    CHECK(after->threads == before.threads);
    // Numbers other than the rule's: an fd opened during exec (binfmt_misc "O"), or one missing.
    CHECK_FALSE(tableAfterExec(before, {0, 4, 5}));
    CHECK_FALSE(tableAfterExec(before, {0}));
    CHECK_FALSE(tableAfterExec(before, {0, 3, 4}));
    // A table that nothing closes is kept as the same buffer (the trace stores it once).
    ProcessSnapshot plain = stopTable({fd(0, "/dev/null", false)});
    auto same = tableAfterExec(plain, {0});
    REQUIRE(same);
    CHECK(same->fds.shares(plain.fds));
    // Not a sole thread's whole table: another thread, a partial read, a zombie leader, or a full
    // snapshot (whose mappings an exec replaces).
    ProcessSnapshot threads = before;
    ThreadState other;
    other.tid = 43;
    threads.threads.push_back(other);
    CHECK_FALSE(tableAfterExec(threads, {0, 4}));
    ProcessSnapshot partial = before;
    partial.partial = true;
    CHECK_FALSE(tableAfterExec(partial, {0, 4}));
    ProcessSnapshot zombie = before;
    zombie.state = 'Z';
    CHECK_FALSE(tableAfterExec(zombie, {0, 4}));
    ProcessSnapshot full = before;
    full.full = true;
    CHECK_FALSE(tableAfterExec(full, {0, 4}));
    ProcessSnapshot notLeader = before;
    notLeader.threads.mut()[0].tid = 43;
    CHECK_FALSE(tableAfterExec(notLeader, {0, 4}));
}

TEST_CASE("a derived table after exec is the table the kernel shows at the exec stop",
          "[sandbox][exec][fds]") {
    const std::vector<std::vector<std::string>> programs = {
        {fixture("cloexec_exec")},
        // Redirections the shell sets up in its children, and its own exec at the end.
        {"/bin/sh", "-c",
         "exec 3</etc/hostname 4</etc/passwd; /bin/true 5<&3; /bin/true 3<&-; "
         "exec /bin/true 6<&4"},
    };
    for (const auto& argv : programs) {
        INFO(argv.back());
        SandboxOptions o;
        o.argv = argv;
        Run derived = runInSandbox(o);
        o.deriveExecTables = false;
        Run read = runInSandbox(o);
        CHECK(derived.exitCode == 0);
        CHECK(read.exitCode == 0);
        auto d = execs(derived), r = execs(read);
        REQUIRE(d.size() == r.size());
        REQUIRE(d.size() >= 2);
        for (size_t i = 0; i < d.size(); ++i) {
            INFO("exec " << i << ": " << d[i].path);
            CHECK(d[i].path == r[i].path);
            REQUIRE(d[i].after);
            REQUIRE(r[i].after);
            CHECK(d[i].after->derived);
            CHECK_FALSE(r[i].after->derived);
            INFO("derived: " << describe(*d[i].after) << "\nread: " << describe(*r[i].after));
            CHECK(shape(*d[i].after) == shape(*r[i].after));
            // In the same run, /bin/true opens nothing that stays: its table at its exit stop,
            // read there, is its table after exec, pipe inodes and all.
            if (d[i].path == "/bin/true") {
                const ProcessSnapshot* atExit = exitTable(derived, d[i].pid);
                REQUIRE(atExit);
                CHECK(atExit->fds == d[i].after->fds);
            }
        }
    }
}

TEST_CASE("a table after exec that something else could change is read, not derived",
          "[sandbox][exec][fds][trust]") {
    for (bool ns : {true, false}) {
        for (const char* mode : {"thread", "shared", "notif"}) {
            INFO(mode << (ns ? ", namespaces" : ", no namespaces"));
            Run r = runInSandbox({fixture("exec_races"), mode}, ns);
            INFO(r.story());
            if (r.exitCode == 3) {
                WARN("exec_races " << mode << ": the kernel refused the setup; skipped");
                continue;
            }
            CHECK(r.exitCode == 0);
            auto all = execs(r);
            REQUIRE(all.size() == 2); // the launcher's exec of the fixture, and its exec
            const ExecSeen& x = all[1];
            REQUIRE(x.after);
            CHECK_FALSE(x.after->derived);
            if (std::string(mode) != "notif") {
                CHECK(x.path == "/bin/true");
                CHECK(x.before);
                continue;
            }
            // The program's own filter took this execve from forklab's trap, so nothing was
            // read before it: not the table of the failed attempt (fd 5 on /etc/hostname), and
            // not that attempt's path either.
            CHECK(x.before == nullptr);
            CHECK(x.path.find("nonexistent") == std::string::npos);
            const FdEntry* five = x.after->findFd(5);
            REQUIRE(five);
            CHECK(five->target == "/etc/passwd");
        }
    }
}
