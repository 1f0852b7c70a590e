// The CLI as a user meets it: help, usage errors, exit codes, and what survives a killed forklab.
#include "CliRunner.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <regex>
#include <set>
#include <sys/stat.h>

using namespace forklab::test;

TEST_CASE("forklab --help and trace --help explain themselves", "[cli]") {
    auto r = runForklab({"--help"});
    CHECK(r.exitCode == 0);
    CHECK(r.out.find("trace") != std::string::npos);
    CHECK(r.out.find("Exit codes") != std::string::npos);
    r = runForklab({"trace", "--help"});
    CHECK(r.exitCode == 0);
    CHECK(r.out.find("--max-procs") != std::string::npos);
    CHECK(r.out.find("--deadline") != std::string::npos);
}

TEST_CASE("bad usage exits with 2, a missing program with 127", "[cli]") {
    CHECK(runForklab({"--no-such-option"}).exitCode == 2);
    CHECK(runForklab({"trace", "--max-procs", "zero", "--", "true"}).exitCode == 2);
    CHECK(runForklab({"trace"}).exitCode == 2);
    auto r = runForklab({"trace", "--", "forklab-no-such-program"});
    CHECK(r.exitCode == 127);
    CHECK(r.out.find("command not found") != std::string::npos);
}

TEST_CASE("forklab exits with the traced program's status", "[cli][sandbox]") {
    CHECK(runForklab({"trace", "-q", "--", "sh", "-c", "exit 3"}).exitCode == 3);
    CHECK(runForklab({"trace", "-q", "--", "true"}).exitCode == 0);
    // Killed by a signal: 128+N, like a shell.
    CHECK(runForklab({"trace", "-q", "--", "sh", "-c", "kill -TERM $$"}).exitCode == 128 + 15);
}

TEST_CASE("an export that cannot be written is forklab's own exit code, 4", "[cli][sandbox]") {
    // Even when the program failed: its status (3) is said on stderr, not lost in the code.
    auto r = runForklab({"trace", "-q", "--export", "/nonexistent-forklab-dir/x.forklab.jsonl",
                         "--", "sh", "-c", "exit 3"});
    CHECK(r.exitCode == 4);
    CHECK(r.out.find("exit code was 3") != std::string::npos);
    CHECK(runForklab(
              {"trace", "-q", "--export", "/nonexistent-forklab-dir/x.forklab.jsonl", "--", "true"})
              .exitCode == 4);
}

TEST_CASE("the story names what each process wrote, from the trapped write", "[cli][sandbox]") {
    auto r = runForklab({"trace", "--", "sh", "-c", "echo hello from the child"});
    CHECK(r.exitCode == 0);
    CHECK(std::regex_search(r.out,
                            std::regex(R"(\d+ \w+ wrote to stdout: "hello from the child\\n")")));
}

TEST_CASE("SIGKILL of forklab in mid-run leaves no process behind", "[cli][sandbox][containment]") {
    for (const char* ns : {"", "--no-namespaces"}) {
        CAPTURE(ns);
        int p[2];
        REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        pid_t forklab = fork();
        if (forklab == 0) {
            dup2(p[1], 2); // the story
            std::vector<std::string> args = {FORKLAB_BINARY, "trace"};
            if (*ns) args.push_back(ns);
            for (const char* a :
                 {"--", "sh", "-c", "sleep 30 & (setsid sleep 31 &); sleep 32; wait"})
                args.push_back(a);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(126);
        }
        close(p[1]);
        // Read the story until all three sleeps have exec'd; collect every pid it names.
        std::set<pid_t> pids;
        std::string text;
        std::regex pidRe(R"(\] (\d+) )");
        int sleeps = 0;
        char buf[4096];
        while (sleeps < 3) {
            ssize_t n = read(p[0], buf, sizeof buf);
            if (n <= 0) break;
            text.append(buf, size_t(n));
            sleeps = 0;
            for (size_t at = 0; (at = text.find("exec /usr/bin/sleep", at)) != std::string::npos;
                 ++at)
                ++sleeps;
        }
        REQUIRE(sleeps == 3);
        for (std::sregex_iterator it(text.begin(), text.end(), pidRe), end; it != end; ++it)
            pids.insert(std::stoi((*it)[1]));
        REQUIRE(pids.size() >= 5); // launcher, sh, three sleeps (and the subshell)
        kill(forklab, SIGKILL);
        int st = 0;
        waitpid(forklab, &st, 0);
        close(p[0]);
        // EXITKILL delivers SIGKILL to every tracee as the tracer goes; give the kernel a moment
        // to finish (bounded by a count, never a time limit on the assertion).
        auto alive = [&] {
            int n = 0;
            for (pid_t pid : pids) {
                struct stat s;
                std::string path = "/proc/" + std::to_string(pid) + "/stat";
                FILE* f = fopen(path.c_str(), "r");
                if (!f) continue;
                char state = '?';
                if (fscanf(f, "%*d (%*[^)]) %c", &state) == 1 && state != 'Z') ++n;
                fclose(f);
                (void)s;
            }
            return n;
        };
        for (int i = 0; i < 200 && alive() > 0; ++i) usleep(10000);
        CHECK(alive() == 0);
    }
}

TEST_CASE("run --step holds at every step, and with stdin at EOF it steps through",
          "[cli][lessons]") {
    auto r = runForklab({"run", "global-state", "--method", "spawn", "--step"});
    CHECK(r.exitCode == 0);
    // It held at the first step, found stdin closed, and went through the rest by itself.
    CHECK(r.out.find("[Enter: next step]") != std::string::npos);
    CHECK(r.out.find("stepping on by itself") != std::string::npos);
    size_t steps = 0;
    for (size_t at = 0; (at = r.out.find("── ", at)) != std::string::npos; ++at) ++steps;
    CHECK(steps == 3); // every marker of the lesson
    CHECK(r.out.find("Test.value = 777") != std::string::npos);
}

TEST_CASE("list names every lesson, and run rejects unknown lessons and methods", "[cli]") {
    auto r = runForklab({"list"});
    CHECK(r.exitCode == 0);
    for (const char* id :
         {"start-methods", "global-state", "fd-inheritance", "mutex-after-fork", "atfork-fix",
          "threads-after-fork", "semaphore-tracker", "forkserver-ps", "launch-latency"})
        CHECK(r.out.find(id) != std::string::npos);
    CHECK(runForklab({"run", "no-such-lesson"}).exitCode == 2);
    CHECK(runForklab({"run", "global-state", "--method", "vfork"}).exitCode == 2);
}

TEST_CASE("trace leaves the program's stdio alone and tells its story on stderr", "[cli]") {
    // Both lines pass through unchanged, each to its own stream, and are still recorded.
    std::string jsonl = "/tmp/forklab-test-stdio-" + std::to_string(getpid()) + ".forklab.jsonl";
    auto r =
        runShellSplit("FORKLAB trace --export " + jsonl + " -- sh -c 'echo out; echo err >&2'");
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK(r.out == "out\n");
    CHECK(r.err.find("err\n") != std::string::npos);
    CHECK(r.err.find("sh wrote to stdout: \"out\\n\"") != std::string::npos);
    // `echo err >&2` writes through fd 1 made a copy of fd 2: it is stderr that it reaches.
    CHECK(r.err.find("sh wrote to stderr: \"err\\n\"") != std::string::npos);
    unlink(jsonl.c_str());
    // -q: the summary goes to stderr, so a pipe after forklab gets exactly the program's bytes.
    auto q = runShellSplit("FORKLAB trace -q -- seq 3 | cat");
    CHECK(q.exitCode == 0);
    CHECK(q.out == "1\n2\n3\n");
    CHECK(q.err.find("Process tree:") != std::string::npos);
    // --quiet-program: the old way, the program writes into /dev/null and only the story tells it.
    auto quiet = runShellSplit("FORKLAB trace --quiet-program -- sh -c 'echo hidden'");
    CHECK(quiet.out.empty());
    CHECK(quiet.err.find("wrote to stdout: \"hidden\\n\"") != std::string::npos);
}

TEST_CASE("trace --no-stop-snapshots says so in the story and in the exported run_start",
          "[cli][sandbox]") {
    std::string jsonl = "/tmp/forklab-test-nosnap-" + std::to_string(getpid()) + ".forklab.jsonl";
    auto r = runShellSplit("FORKLAB trace --no-stop-snapshots --export " + jsonl +
                           " -- sh -c 'cat /etc/hostname >/dev/null'");
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK(r.err.find("no fd tables read at fork/exec/exit stops") != std::string::npos);
    auto runStartLine = [&] { // the line after the header
        std::ifstream in(jsonl);
        std::string line;
        while (std::getline(in, line))
            if (line.find("\"kind\":\"run_start\"") != std::string::npos) return line;
        return std::string();
    };
    std::string first = runStartLine();
    CHECK(first.find("\"stop_snapshots\":false") != std::string::npos);
    unlink(jsonl.c_str());
    // The default run reads them, and its run_start carries no such field.
    auto d = runShellSplit("FORKLAB trace --export " + jsonl + " -- true");
    CHECK(d.err.find("no fd tables") == std::string::npos);
    first = runStartLine();
    CHECK(!first.empty());
    CHECK(first.find("stop_snapshots") == std::string::npos);
    unlink(jsonl.c_str());
}
