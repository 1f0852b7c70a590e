// Never harm the host (DESIGN §3 "Trust"): forklab removes only what its run created in its own
// tmpfs, the program cannot undo its isolation or lift its process limit, it has no more rights
// than the person running forklab, and nothing survives any end of forklab.
#include "CliRunner.hpp"
#include "HostCanaries.hpp"
#include "SandboxHelpers.hpp"
#include "core/trace/TraceReader.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <optional>
#include <random>
#include <set>
#include <sys/wait.h>

using namespace forklab;
using namespace forklab::test;

namespace {

std::string allOutput(const Run& r, int fd = 1) {
    std::string out;
    for (auto* e : r.events(EventKind::Output))
        if (e->as<ev::Output>().fd == fd) out += r.trace->str(e->as<ev::Output>().text);
    return out;
}

const ev::RunStart& runStart(const Run& r) {
    return (*r.trace)[0].as<ev::RunStart>();
}

// Every fd target any snapshot of the run showed.
std::set<std::string> fdTargets(const Run& r) {
    std::set<std::string> out;
    for (auto* e : r.events(EventKind::Snapshot))
        for (auto& fd : r.trace->snapshot(e->as<ev::Snapshot>().snap).fds) out.insert(fd.target);
    return out;
}

// Sets an environment variable for one scope (the sandbox reads SUDO_UID when it starts).
struct ScopedEnv {
    std::string name;
    ScopedEnv(const char* n, const char* v) : name(n) { setenv(n, v, 1); }
    ~ScopedEnv() { unsetenv(name.c_str()); }
};

} // namespace

TEST_CASE("a deadline whose milliseconds would overflow is refused with its range", "[host][cli]") {
    HostCanaries canaries;
    auto r = runForklab({"trace", "--deadline", "3000000", "--", "true"});
    CHECK(r.exitCode == 2);
    CHECK(r.out.find("out of range: from 0.001 to 1e+06 seconds") != std::string::npos);
    auto big = runForklab({"trace", "-q", "--deadline", "1000000", "--", "true"});
    INFO(big.out);
    CHECK(big.exitCode == 0);
    canaries.requireIntact();
}

TEST_CASE("a program that unmounts /dev/shm neither sees nor touches the host's",
          "[host][sandbox][shm]") {
    HostCanaries canaries;
    std::vector<std::string> argv = {fixture("shm_escape"), "umount"};
    for (auto& n : canaries.names()) argv.push_back(n);
    Run r = runInSandbox(argv);
    INFO(r.story());
    CHECK(r.exitCode == 0);
    CHECK((runStart(r).isolation & kIsoLockedMounts) != 0);
    std::string out = allOutput(r);
    CHECK(out.find("umount: done") == std::string::npos); // the kernel refused: mounts locked
    for (auto& n : canaries.names()) CHECK(out.find("sees: " + n) == std::string::npos);
    // Its own name landed in the private tmpfs, and only that was swept.
    auto leaks = r.events(EventKind::Leak);
    REQUIRE(leaks.size() == 1);
    CHECK(r.trace->str(leaks[0]->as<ev::Leak>().name) == "forklab-escape");
    CHECK(leaks[0]->as<ev::Leak>().removed);
    canaries.requireIntact();
}

TEST_CASE("a program that over-mounts /dev/shm cannot point the sweep at the host",
          "[host][sandbox][shm]") {
    HostCanaries canaries;
    std::vector<std::string> argv = {fixture("shm_escape"), "overmount"};
    for (auto& n : canaries.names()) argv.push_back(n);
    Run r = runInSandbox(argv);
    INFO(r.story());
    CHECK(r.exitCode == 0);
    std::string out = allOutput(r);
    CHECK(out.find("overmount: done") != std::string::npos); // in a namespace of its own
    for (auto& n : canaries.names()) CHECK(out.find("sees: " + n) == std::string::npos);
    // Its name went into its own tmpfs on top, which died with it: the private one the sweep
    // holds is empty, so nothing is reported, and nothing of the host's is touched.
    CHECK(r.events(EventKind::Leak).empty());
    canaries.requireIntact();
}

TEST_CASE("under --isolate a program cannot write host files, read /etc/shadow, reach a "
          "network or gain privileges",
          "[host][sandbox][isolate]") {
    // As root, the program runs as the sudo user: that is the case to prove (root's own rights
    // include /etc/shadow). As anyone else, it is that user.
    std::optional<ScopedEnv> sudoUid, sudoGid;
    if (getuid() == 0) {
        sudoUid.emplace("SUDO_UID", "65534");
        sudoGid.emplace("SUDO_GID", "65534");
    }
    // A host directory the invoking user can write to, outside /tmp (which is private).
    std::string hostDir = FORKLAB_FIXTURE_DIR;
    std::string probeFile = hostDir + "/forklab-isolate-probe";
    unlink(probeFile.c_str());
    SandboxOptions o;
    o.argv = {fixture("isolate_probe"), hostDir};
    // A setuid-root copy of the probe, where we can make one (as root).
    std::string setuidCopy = hostDir + "/isolate_probe_setuid";
    if (getuid() == 0) {
        std::string cmd =
            "cp " + fixture("isolate_probe") + " " + setuidCopy + " && chmod 4755 " + setuidCopy;
        REQUIRE(system(cmd.c_str()) == 0);
        o.argv.push_back(setuidCopy);
    }
    o.isolate = true;
    Run r = runInSandbox(o);
    INFO(r.story());
    unlink(setuidCopy.c_str());
    CHECK(r.exitCode == 0);
    auto& start = runStart(r);
    CHECK((start.isolation & kIsoReadOnlyRoot) != 0);
    CHECK((start.isolation & kIsoNetNs) != 0);
    CHECK((start.isolation & kIsoPrivateTmp) != 0);
    CHECK(start.uid == (getuid() == 0 ? 65534u : getuid()));
    // From outside: no file appeared, and no snapshot ever showed /etc/shadow or it open.
    CHECK(access(probeFile.c_str(), F_OK) != 0);
    auto targets = fdTargets(r);
    CHECK(targets.count("/etc/shadow") == 0);
    CHECK(targets.count(probeFile) == 0);
    std::string out = allOutput(r);
    CHECK(out.find("interface: lo\n") != std::string::npos);
    size_t interfaces = 0;
    for (size_t at = 0; (at = out.find("interface: ", at)) != std::string::npos; ++at) ++interfaces;
    CHECK(interfaces == 1);
    if (getuid() == 0) {
        CHECK(out.find("euid: 65534\n") != std::string::npos);
        CHECK(out.find("euid: 0\n") == std::string::npos);
    }
    unlink(probeFile.c_str());
}

TEST_CASE("as root with SUDO_UID set the program runs as that user, unless --as-root",
          "[host][sandbox]") {
    if (getuid() != 0) {
        WARN("forklab-skip: only root can run a program as another user");
        return;
    }
    ScopedEnv uid("SUDO_UID", "65534"), gid("SUDO_GID", "65534");
    for (bool ns : {true, false}) {
        CAPTURE(ns);
        Run r = runInSandbox({"id", "-u"}, ns);
        CHECK(allOutput(r) == "65534\n");
        CHECK(runStart(r).uid == 65534u);
    }
    SandboxOptions o;
    o.argv = {"id", "-u"};
    o.asRoot = true;
    Run root = runInSandbox(o);
    CHECK(allOutput(root) == "0\n");
}

TEST_CASE("the program cannot lift --max-procs: not by pids.max, another cgroup or its rlimit",
          "[host][sandbox][containment]") {
    SandboxOptions o;
    o.argv = {fixture("pids_escape")};
    o.maxProcs = 50;
    o.snapshots = false;
    Run r = runInSandbox(o);
    INFO(r.story());
    auto& start = runStart(r);
    CHECK((start.isolation & (kIsoPidsCgroup | kIsoTaskRlimit)) != 0);
    std::string out = allOutput(r);
    CHECK(out.find("/pids.max: done") == std::string::npos);
    CHECK(out.find("cgroup.procs: done") == std::string::npos);
    CHECK(out.find("raise RLIMIT_NPROC: done") == std::string::npos);
    int peak = peakProcesses(r);
    CHECK(peak <= 50);
    CHECK(peak >= 40); // it did try: the limit, not something else, stopped it
}

namespace {

// Processes whose environment carries TOKEN (forklab, its launcher and everything it started).
std::vector<pid_t> processesWithToken(const std::string& token) {
    std::vector<pid_t> out;
    DIR* d = opendir("/proc");
    while (d) {
        dirent* e = readdir(d);
        if (!e) break;
        pid_t pid = atoi(e->d_name);
        if (pid <= 0 || pid == getpid()) continue;
        FILE* f = fopen(("/proc/" + std::string(e->d_name) + "/environ").c_str(), "r");
        if (!f) continue;
        std::string env;
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) env.append(buf, n);
        fclose(f);
        if (env.find(token) != std::string::npos) out.push_back(pid);
    }
    if (d) closedir(d);
    return out;
}

std::set<std::string> entries(const char* dir, const std::vector<std::string>& prefixes) {
    std::set<std::string> out;
    if (DIR* d = opendir(dir)) {
        while (dirent* e = readdir(d))
            for (auto& p : prefixes)
                if (std::string(e->d_name).rfind(p, 0) == 0) out.insert(e->d_name);
        closedir(d);
    }
    return out;
}

std::vector<std::string> cgroupsOf(pid_t forklab) {
    std::vector<std::string> out;
    for (const char* root : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup"})
        for (auto& n : entries(root, {"forklab." + std::to_string(forklab) + "."}))
            out.push_back(std::string(root) + "/" + n);
    return out;
}

} // namespace

TEST_CASE("forklab killed or interrupted in its first 50 ms leaves nothing behind",
          "[host][cli][containment]") {
    HostCanaries canaries;
    const char* env = getenv("FORKLAB_KILL_RUNS");
    int runs = env ? atoi(env) : 200;
    std::string token = "FORKLAB_KILL_TEST=" + std::to_string(getpid());
    const std::vector<std::string> tmpPrefixes = {"forklab-fs-", "pymp-", "forklab-kill-"};
    auto tmpBefore = entries("/tmp", tmpPrefixes);
    const std::vector<std::vector<std::string>> commands = {
        {"run", "start-methods", "--method", "forkserver", "-q"},
        {"run", "semaphore-tracker", "--method", "spawn", "-q"},
        {"trace", "-q", "--", "sh", "-c", "echo x > /dev/shm/forklab-kill; sleep 5 & sleep 5"},
        {"trace", "-q", "--isolate", "--", "sh", "-c", "mkdir /tmp/forklab-kill-$$; sleep 5"},
    };
    std::mt19937 rng{uint32_t(getpid())};
    std::vector<pid_t> killed;
    for (int i = 0; i < runs; ++i) {
        auto& cmd = commands[size_t(i) % commands.size()];
        int sig = (i / int(commands.size())) % 2 ? SIGINT : SIGKILL;
        int delayUs = int(rng() % 50'000);
        // Everything the child needs is made before the fork, and SIGINT is held across it: a
        // SIGINT that comes before the exec must not run Catch2's handler (which allocates) in
        // the child; with the default action it just ends the child.
        std::vector<std::string> args = cmd;
        args.insert(args.begin(), FORKLAB_BINARY);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        sigset_t intr, old;
        sigemptyset(&intr);
        sigaddset(&intr, SIGINT);
        sigprocmask(SIG_BLOCK, &intr, &old);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGINT, SIG_DFL);
            sigprocmask(SIG_SETMASK, &old, nullptr);
            putenv(token.data());
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            execv(argv[0], argv.data());
            _exit(126);
        }
        sigprocmask(SIG_SETMASK, &old, nullptr);
        usleep(useconds_t(delayUs));
        kill(pid, sig);
        int st = 0;
        waitpid(pid, &st, 0); // after SIGINT forklab tears down and ends by itself
        killed.push_back(pid);
    }
    // PDEATHSIG and PTRACE_O_EXITKILL act as the kernel gets to them: wait until all are gone.
    std::vector<pid_t> left;
    for (int tries = 0; tries < 3000; ++tries) {
        left = processesWithToken(token);
        if (left.empty()) break;
        usleep(10'000);
    }
    INFO(left.size() << " processes of killed forklabs are still alive");
    CHECK(left.empty());
    // A killed forklab's cgroup is removed (and said) by the next forklab that starts.
    auto next = runForklab({"list"});
    for (pid_t p : killed) {
        INFO("cgroup of killed forklab " << p);
        CHECK(cgroupsOf(p).empty());
    }
    auto tmpAfter = entries("/tmp", tmpPrefixes);
    for (auto& n : tmpAfter) {
        INFO("/tmp/" << n << " appeared");
        CHECK(tmpBefore.count(n) == 1);
    }
    CHECK(access("/dev/shm/forklab-kill", F_OK) != 0);
    canaries.requireIntact();
}

TEST_CASE("where the kernel refuses a user namespace forklab says so, -q too, and a lesson does "
          "not start",
          "[host][cli]") {
    // A user namespace of our own whose limit on further user namespaces is 0.
    auto inNoUserns = [](const std::string& args) {
        return std::string("unshare --user --map-root-user sh -c 'echo 0 > "
                           "/proc/sys/user/max_user_namespaces && exec ") +
               FORKLAB_BINARY + " " + args + "' 2>&1";
    };
    auto run = [](const std::string& cmd, int* code) {
        std::string out;
        FILE* p = popen(cmd.c_str(), "r");
        REQUIRE(p);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        int st = pclose(p);
        *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        return out;
    };
    int code = 0;
    std::string probe = run("unshare --user --map-root-user true 2>&1", &code);
    if (code != 0) {
        WARN("forklab-skip: unshare cannot make a user namespace here: " << probe);
        return;
    }
    std::string trace = run(inNoUserns("trace -q -- true"), &code);
    INFO(trace);
    CHECK(code == 0);
    CHECK(trace.find("forklab: the kernel refused a user namespace") != std::string::npos);
    CHECK(trace.find("runs without namespaces") != std::string::npos);
    std::string lesson = run(inNoUserns("run global-state --method fork -q"), &code);
    INFO(lesson);
    CHECK(code == 125);
    CHECK(lesson.find("must be isolated: it did not start") != std::string::npos);
}

TEST_CASE("a story reader that goes away ends the story, not the run: the program runs on and "
          "the export is written",
          "[host][cli][containment]") {
    // `forklab trace --export F -- CMD 2>&1 | head -1`: head leaves after one line. Before,
    // SIGPIPE ended forklab there: the program was killed with it, the export never written,
    // and its pids cgroup stayed until the next forklab.
    HostCanaries canaries;
    const std::string dir = "/tmp/forklab-pipe-test-" + std::to_string(getpid());
    REQUIRE(mkdir(dir.c_str(), 0700) == 0);
    RemovedAtEnd removed{dir};
    const std::string marker = dir + "/done", jsonl = dir + "/run.forklab.jsonl";
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    std::vector<std::string> args = {
        FORKLAB_BINARY, "trace", "--export", jsonl,
        "--",           "sh",    "-c",       "sleep 0.3; echo done > " + marker + "; exit 5"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t forklab = fork();
    if (forklab == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(p[1], 2); // the story, into a pipe nobody reads any more
        execv(argv[0], argv.data());
        _exit(126);
    }
    close(p[1]);
    close(p[0]); // the reader is gone before the first line: every story write fails
    int st = 0;
    REQUIRE(waitpid(forklab, &st, 0) == forklab);
    INFO("forklab's wait status " << st);
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 5); // the program's own status: it ran to its end
    CHECK(access(marker.c_str(), F_OK) == 0);
    Trace trace;
    auto error = readJsonlFile(jsonl, trace);
    INFO(error.value_or(""));
    REQUIRE(!error);
    REQUIRE(trace.size() > 0);
    CHECK(trace[trace.size() - 1].as<ev::RunEnd>().reason == EndReason::AllExited);
    CHECK(cgroupsOf(forklab).empty());
    canaries.requireIntact();
}
