// The facts about CPython that the lessons tie to a version, checked on each CPython 3.8 to 3.13
// found here (pyenv's versions/*/bin/python3, python3.X or python3 on PATH). Every check reads
// what the recorder showed: how each process was created, its argv at exec, its fd table at the
// key step, the verdicts, what it wrote to stderr. A version that is not installed is reported
// skipped with the reason (ctest's SKIP_REGULAR_EXPRESSION), never failed. What no interpreter
// here can show (3.13.1+'s PyMutex, the forkserver preload fix) is documented, not asserted.
#include "PythonHelpers.hpp"

#include "core/probe/Deadlock.hpp"

#include <algorithm>
#include <cstdlib>

using namespace forklab;
using namespace forklab::test;

namespace {

int argNumber(const std::vector<std::string>& argv, const std::string& key) {
    for (auto& a : argv)
        if (auto at = a.find(key); at != std::string::npos)
            return std::atoi(a.c_str() + at + key.size());
    return -1;
}

void checkVersion(int minor) {
    std::string why;
    auto found = findMinor(minor, &why);
    if (!found) {
        std::cout << "forklab-skip: " << why << '\n';
        return;
    }
    const PythonInterpreter& py = *found;
    const PyVersion v = parsePyVersion(py.version);
    CAPTURE(py.path, py.version);
    // Up to 3.13.0 every interpreter here has the sem_t lock and the forkserver preload bug.
    const bool upTo3130 = v.minor < 13 || (v.minor == 13 && v.micro == 0);

    SECTION("spawn: helpers forked on 3.8/3.9, vforked on 3.10+; the child's argv and fds") {
        Run r = runWith(py, "python-forkserver-ps", StartMethod::Spawn);
        INFO(r.story());
        World w = atKey(r);
        const ProcessView& parent = root(w);
        const ProcessView* child = w.find(keyPid(r));
        REQUIRE(child);
        auto trackers = withRole(w, Role::Tracker);
        REQUIRE(trackers.size() == 1);
        const ForkKind expected = v.minor >= 10 ? ForkKind::Vfork : ForkKind::Fork;
        CHECK(trackers[0]->how == expected);
        CHECK(child->how == expected);
        // argv[0] is sys.executable, then the parent's own flags: -B, because forklab gave
        // the parent -B (the lesson's command line), not because spawn adds it.
        REQUIRE(child->argv.size() >= 2);
        CHECK(child->argv[0] == py.path);
        CHECK(std::count(parent.argv.begin(), parent.argv.end(), "-B") == 1);
        CHECK(child->argv[1] == "-B");
        // At the key step the pipe_handle= number no longer holds the data pipe: the child
        // closed it after unpickling and _close_stdin's /dev/null took the number. The pipe
        // lives on under another number, the os.dup() kept as the parent sentinel.
        int handle = argNumber(child->argv, "pipe_handle=");
        REQUIRE(handle > 2);
        const ProcessSnapshot& s = snap(r, *child);
        const FdEntry* atHandle = s.findFd(handle);
        REQUIRE(atHandle);
        CHECK(atHandle->target == "/dev/null");
        uint64_t data =
            namedFdInode(r, child->pid, "data pipe (read end: the pickled Process comes in here)");
        REQUIRE(data != 0);
        CHECK(countInode(s, data) == 1);
    }
    SECTION("forkserver: the server is asked to preload __main__ but given no main_path") {
        Run r = runWith(py, "python-forkserver-ps", StartMethod::Forkserver);
        INFO(r.story());
        World w = atKey(r);
        auto servers = withRole(w, Role::Forkserver);
        REQUIRE(servers.size() == 1);
        std::string cmd;
        for (auto& a : servers[0]->argv) cmd += a + ' ';
        CAPTURE(cmd);
        CHECK(cmd.find("['__main__']") != std::string::npos); // asks to preload __main__ ...
        if (upTo3130)
            CHECK(cmd.find("main_path") == std::string::npos); // ... but cannot
        else
            WARN("CPython " << py.version << " may have the preload fix (PR 138609): not asserted");
        const ProcessView* child = w.find(keyPid(r));
        REQUIRE(child);
        CHECK(child->parent == servers[0]->pid);
        CHECK(child->execs == 0); // its command line is the server's only in /proc
    }
    SECTION("fork: a child waiting on a copied locked threading.Lock gets verdict (b)") {
        if (!upTo3130) {
            WARN("CPython " << py.version << ": _thread.lock may be a PyMutex: not asserted");
            return;
        }
        Run r = runWith(py, "python-lock-after-fork", StartMethod::Fork);
        INFO(r.story());
        auto verdicts = r.events(EventKind::Deadlock);
        REQUIRE(verdicts.size() == 1);
        CHECK(verdicts[0]->as<ev::Deadlock>().rule == uint8_t(DeadlockRule::NobodyToWake));
        CHECK(verdicts[0]->pid != root(r.world()).pid);
    }
    SECTION("the tracker's leak warning counts up to 3.12 and names the leak from 3.13") {
        Run r = runWith(py, "python-semaphore-killed", StartMethod::Spawn);
        INFO(r.story());
        World w = r.world();
        std::string name;
        for (auto* e : r.events(EventKind::ShmCreate))
            if (auto n = std::string(r.trace->str(e->as<ev::Shm>().name));
                n.rfind("sem.mp-", 0) == 0)
                name = "/" + n.substr(4); // sem.mp-XXXX is CPython's /mp-XXXX
        REQUIRE_FALSE(name.empty());
        auto trackers = withRole(w, Role::Tracker);
        REQUIRE(trackers.size() == 1);
        std::string err = outputOf(r, trackers[0]->pid, 2);
        CAPTURE(err, name);
        CHECK(err.find("There appear to be 1 leaked semaphore objects to clean up at shutdown") !=
              std::string::npos);
        CHECK((err.find(name) != std::string::npos) == (v.minor >= 13));
    }
}

} // namespace

TEST_CASE("CPython 3.8: the version facts the lessons name", "[python][versions]") {
    checkVersion(8);
}
TEST_CASE("CPython 3.9: the version facts the lessons name", "[python][versions]") {
    checkVersion(9);
}
TEST_CASE("CPython 3.10: the version facts the lessons name", "[python][versions]") {
    checkVersion(10);
}
TEST_CASE("CPython 3.11: the version facts the lessons name", "[python][versions]") {
    checkVersion(11);
}
TEST_CASE("CPython 3.12: the version facts the lessons name", "[python][versions]") {
    checkVersion(12);
}
TEST_CASE("CPython 3.13: the version facts the lessons name", "[python][versions]") {
    checkVersion(13);
}
