// The CPython version matrix: every interpreter forklab finds here (PATH, python3.X, pyenv's
// versions/, --python), and per version the facts that differ, read by observeVersionFacts from
// that interpreter's recorded runs: how spawn's helpers were created, the 3.12+ fork
// DeprecationWarning in the parent, the tracker's leak warning naming or counting, the default
// start method; and the new lessons' claims that name versions (the bootstrapping RuntimeError's
// text, the stdout-lock hang). A version that is not installed is reported skipped with the
// reason, never failed.
#include "CliRunner.hpp"
#include "PythonHelpers.hpp"

#include "core/lessons/VersionFacts.hpp"

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <set>

using namespace forklab;
using namespace forklab::test;

namespace {

std::string factOf(const std::vector<VersionFact>& facts, const std::string& prefix) {
    for (auto& f : facts)
        if (f.name.rfind(prefix, 0) == 0) return f.value;
    FAIL("no fact named " << prefix);
    return {};
}

std::string pyenvRoot() {
    if (const char* r = getenv("PYENV_ROOT"); r && *r) return r;
    if (const char* home = getenv("HOME"); home && *home) return std::string(home) + "/.pyenv";
    return {};
}

void checkMatrix(int minor) {
    std::string why;
    auto found = findMinor(minor, &why);
    if (!found) {
        std::cout << "forklab-skip: " << why << '\n';
        return;
    }
    const PythonInterpreter& py = *found;
    const PyVersion v = parsePyVersion(py.version);
    CAPTURE(py.path, py.version);
    SECTION("spawn's helpers: forked up to 3.9, vforked from 3.10") {
        Run r = runWith(py, "python-forkserver-ps", StartMethod::Spawn);
        std::string helpers = factOf(observeVersionFacts(*r.trace), "spawn's helpers");
        CHECK(helpers.rfind(v.atLeast(10) ? "vforked (" : "forked (", 0) == 0);
        CHECK(helpers.find("resource-tracker") != std::string::npos);
    }
    SECTION("fork of a multithreaded parent: a DeprecationWarning from 3.12, after the fork") {
        Run r = runWith(py, "python-lock-after-fork", StartMethod::Fork, "warnings");
        INFO(r.story());
        std::string warned = factOf(observeVersionFacts(*r.trace), "multithreaded fork warns");
        CHECK(warned == (v.atLeast(12) ? "DeprecationWarning" : "no warning"));
        if (v.atLeast(12)) {
            // Written by the parent after the child exists: a post-mortem, not a prevention.
            World w = r.world();
            pid_t parent = root(w).pid;
            pid_t child = markerPid(r, "the child calls lock.acquire()");
            REQUIRE(child != 0);
            int64_t warnedAt = -1;
            for (auto* e : r.events(EventKind::Output))
                if (e->pid == parent && e->as<ev::Output>().fd == 2 &&
                    r.trace->str(e->as<ev::Output>().text).find("DeprecationWarning") !=
                        std::string::npos &&
                    warnedAt < 0)
                    warnedAt = e->t;
            REQUIRE(warnedAt >= 0);
            CHECK(warnedAt > w.find(child)->born);
        }
    }
    SECTION("PYTHONWARNINGS=always, passed through the sandbox, shows it the same way") {
        struct Env { // set for this run only, then as it was
            const char* was = getenv("PYTHONWARNINGS");
            std::string old = was ? was : "";
            Env() { setenv("PYTHONWARNINGS", "always", 1); }
            ~Env() {
                was ? (void)setenv("PYTHONWARNINGS", old.c_str(), 1)
                    : (void)unsetenv("PYTHONWARNINGS");
            }
        } env;
        Run r = runWith(py, "python-lock-after-fork", StartMethod::Fork);
        CHECK(factOf(observeVersionFacts(*r.trace), "multithreaded fork warns") ==
              (v.atLeast(12) ? "DeprecationWarning" : "no warning"));
    }
    SECTION("the same fork without -W always: no warning on any version") {
        Run r = runWith(py, "python-lock-after-fork", StartMethod::Fork);
        CHECK(factOf(observeVersionFacts(*r.trace), "multithreaded fork warns") == "no warning");
    }
    SECTION("the tracker's leak warning: counts up to 3.12, names the leak from 3.13") {
        Run r = runWith(py, "python-semaphore-killed", StartMethod::Spawn);
        INFO(r.story());
        std::string leak = factOf(observeVersionFacts(*r.trace), "resource tracker's leak");
        std::string name;
        for (auto* e : r.events(EventKind::ShmCreate))
            if (auto n = std::string(r.trace->str(e->as<ev::Shm>().name));
                n.rfind("sem.mp-", 0) == 0)
                name = "/" + n.substr(4);
        REQUIRE_FALSE(name.empty());
        if (v.atLeast(13))
            CHECK(leak == "names it: {'" + name + "'}");
        else
            CHECK(leak == "counts it, without the name");
    }
    SECTION("python-main-guard without the guard: the same RuntimeError on every version") {
        Run r = runWith(py, "python-main-guard", StartMethod::Spawn, "unguarded");
        World w = r.world(); // withRole points into it
        auto children = withRole(w, Role::SpawnChild);
        REQUIRE(children.size() == 1);
        std::string err = outputOf(r, children[0]->pid, 2);
        CAPTURE(err);
        CHECK(err.find("An attempt has been made to start a new process before the\n        "
                       "current process has finished its bootstrapping phase.") !=
              std::string::npos);
        // Later releases also point to the docs (3.11.7 and 3.12 here, not Debian's 3.11.2): the
        // child says so exactly when this interpreter's own spawn.py has the sentence.
        std::string src;
        std::string ask =
            "'" + py.path +
            "' -c 'import multiprocessing.spawn as s; print(open(s.__file__).read())'";
        if (FILE* f = popen(ask.c_str(), "r")) {
            char buf[4096];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, f)) > 0) src.append(buf, n);
            pclose(f);
        }
        REQUIRE(src.find("_check_not_importing_main") != std::string::npos);
        const bool pointsToDocs = src.find("Safe importing of main module") != std::string::npos;
        CHECK((err.find("Safe importing of main module") != std::string::npos) == pointsToDocs);
        CHECK(children[0]->status.exitCode() == 1);
    }
    SECTION("python-stdout-lock-after-fork: the fork child hangs at exit on every version") {
        Run r = runWith(py, "python-stdout-lock-after-fork", StartMethod::Fork);
        auto verdicts = r.events(EventKind::Deadlock);
        REQUIRE(verdicts.size() == 1);
        CHECK(verdicts[0]->pid == keyPid(r));
    }
    SECTION("the default start method: fork on Linux up to 3.13") {
        Run r = runWith(py, "python-start-method-defaults", StartMethod::Spawn);
        CHECK(factOf(observeVersionFacts(*r.trace), "default start method") ==
              (v.atLeast(14) ? "forkserver" : "fork"));
    }
}

} // namespace

TEST_CASE("findPythons: every pyenv version, each interpreter once, oldest first",
          "[python][versions]") {
    PythonSearch s = findPythons();
    std::set<std::string> versions, exes;
    for (auto& py : s.found) {
        CHECK(parsePyVersion(py.version).atLeast(8));
        char buf[PATH_MAX];
        CHECK(exes.insert(realpath(py.path.c_str(), buf) ? buf : py.path).second);
        versions.insert(py.version);
    }
    for (size_t i = 1; i < s.found.size(); ++i) {
        PyVersion a = parsePyVersion(s.found[i - 1].version),
                  b = parsePyVersion(s.found[i].version);
        CHECK(std::tie(a.major, a.minor, a.micro) <= std::tie(b.major, b.minor, b.micro));
    }
    std::string root = pyenvRoot();
    int checked = 0;
    std::error_code ec;
    for (auto& d : std::filesystem::directory_iterator(root + "/versions", ec)) {
        auto py = findPython((d.path() / "bin" / "python3").string(), nullptr);
        if (!py) continue; // not a CPython 3.8+: left out, as findPythons does
        CAPTURE(py->version);
        CHECK(versions.count(py->version) == 1);
        ++checked;
    }
    if (checked == 0) std::cout << "forklab-skip: no CPython 3.8+ under " << root << "/versions\n";
}

TEST_CASE("forklab list --pythons: version and path of each, and why a --python is left out",
          "[python][cli]") {
    auto out = runForklab({"list", "--pythons", "--python", "/nonexistent/python3"});
    INFO(out.out);
    CHECK(out.exitCode == 0);
    for (auto& py : findPythons().found)
        CHECK(out.out.find("CPython " + py.version) != std::string::npos);
    CHECK(out.out.find("left out: /nonexistent/python3: not found") != std::string::npos);
}

TEST_CASE("forklab run --python-all: one story per version, then the table", "[python][cli]") {
    PythonSearch s = findPythons();
    if (s.found.empty()) {
        std::cout << "forklab-skip: no CPython 3.8 or newer here\n";
        return;
    }
    auto out = runForklab(
        {"run", "python-start-method-defaults", "--method", "spawn", "--python-all", "-q"});
    INFO(out.out);
    CHECK(out.exitCode == 0);
    for (auto& py : s.found)
        CHECK(out.out.find("── CPython " + py.version + " (" + py.path + ") ──") !=
              std::string::npos);
    auto table = out.out.find("What differs between the versions");
    REQUIRE(table != std::string::npos);
    std::string t = out.out.substr(table);
    CHECK(t.find("default start method (no set_start_method)") != std::string::npos);
    CHECK(t.find("Documented, not observed on this machine") != std::string::npos);
    CHECK(t.find("forkserver  [gh-84559") != std::string::npos);
    // 3.8/3.9 fork spawn's helpers, 3.10+ vfork them: with both here the row differs.
    bool old = false, recent = false;
    for (auto& py : s.found) (parsePyVersion(py.version).atLeast(10) ? recent : old) = true;
    auto row = t.find("spawn's helpers");
    REQUIRE(row != std::string::npos);
    CHECK((t.substr(row, t.find('\n', row) - row).find(" *") != std::string::npos) ==
          (old && recent));
    auto usage = runForklab({"run", "start-methods", "--python-all"});
    CHECK(usage.exitCode == 2);
}

TEST_CASE("CPython 3.8 in the matrix", "[python][versions]") {
    checkMatrix(8);
}
TEST_CASE("CPython 3.9 in the matrix", "[python][versions]") {
    checkMatrix(9);
}
TEST_CASE("CPython 3.10 in the matrix", "[python][versions]") {
    checkMatrix(10);
}
TEST_CASE("CPython 3.11 in the matrix", "[python][versions]") {
    checkMatrix(11);
}
TEST_CASE("CPython 3.12 in the matrix", "[python][versions]") {
    checkMatrix(12);
}
TEST_CASE("CPython 3.13 in the matrix", "[python][versions]") {
    checkMatrix(13);
}
