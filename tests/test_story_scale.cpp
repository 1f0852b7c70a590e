// forklab trace on real programs, as a user meets it: the story of a big run stays short (the
// event story and the -q summary fold identical siblings with a count), a clone the task limit
// refuses is an event and a sentence, and every view uses the same words for a process's name
// and role. Each run is exported and read back, so the facts are the recorder's, and every
// process it recorded is proven gone.
#include "CliRunner.hpp"
#include "PythonHelpers.hpp"
#include "SandboxHelpers.hpp"

#include "core/trace/TraceReader.hpp"

#include <fstream>
#include <regex>

using namespace forklab;
using namespace forklab::test;

namespace {

// A temporary export path, removed by the destructor.
struct TempTrace {
    std::string path;
    explicit TempTrace(const std::string& what)
        : path("/tmp/forklab-test-" + what + "-" + std::to_string(getpid()) + ".forklab.jsonl") {}
    ~TempTrace() { unlink(path.c_str()); }
};

// A file of the test's own, removed by the destructor.
struct TempFile {
    std::string path;
    TempFile(const std::string& what, const std::string& ext, const std::string& text)
        : path("/tmp/forklab-test-" + what + "-" + std::to_string(getpid()) + ext) {
        std::ofstream(path) << text;
    }
    ~TempFile() { unlink(path.c_str()); }
};

// The exported trace read back; every process it recorded must be gone.
Run readBack(const std::string& path) {
    Run r;
    auto error = readJsonlFile(path, *r.trace);
    INFO(error.value_or(""));
    REQUIRE_FALSE(error);
    requireNothingSurvives(r);
    return r;
}

size_t lines(const std::string& s) {
    return size_t(std::count(s.begin(), s.end(), '\n'));
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The threads example: start N threads that each wait on one Event, then let them go. Prints
// how many started; exit 3 when the interpreter could not start one.
const char* kThreads = R"(import sys, threading
go = threading.Event()
threads = []
try:
    for i in range(int(sys.argv[1])):
        t = threading.Thread(target=go.wait)
        t.start()
        threads.append(t)
except RuntimeError as e:
    print("started", len(threads), e, flush=True)
    go.set()
    sys.exit(3)
print("started", len(threads), flush=True)
go.set()
)";

} // namespace

TEST_CASE("the story of 2,000 × /bin/true is short, live with -q and replayed", "[story][cli]") {
    TempTrace t("story-scale");
    auto r = runShellSplit("FORKLAB trace -q --export " + t.path +
                           " -- sh -c 'for i in $(seq 2000); do /bin/true; done'");
    INFO(r.err);
    CHECK(r.exitCode == 0);
    Run run = readBack(t.path);
    // The recorder saw all of them: 2,000 exec'd /bin/true.
    int trues = 0;
    for (auto* e : run.events(EventKind::Exec))
        trues += run.trace->str(e->as<ev::Exec>().path) == "/bin/true";
    CHECK(trues == 2000);
    CHECK(lines(r.err) <= 50);
    CHECK(r.err.find("2,000 × /bin/true") != std::string::npos);

    // The event story folds the identical blocks: the first two, then one line with the count.
    auto replay = runForklab({"replay", "--text", t.path});
    INFO(replay.out.substr(0, 4000));
    CHECK(replay.exitCode == 0);
    CHECK(lines(replay.out) <= 50);
    CHECK(replay.out.find("2,000 in all") != std::string::npos);
    CHECK(replay.out.find("1,998 more like the one above") != std::string::npos);
}

TEST_CASE("a fold never hides a block that differs", "[story]") {
    // Five alike, one that says something else, five alike: the odd one is told whole.
    Run r = runInSandbox({"sh", "-c",
                          "for i in 1 2 3 4 5; do /bin/true; done; /bin/echo odd; "
                          "for i in 1 2 3 4 5; do /bin/true; done"});
    std::ostringstream out;
    Story s(*r.trace);
    s.feed(r.trace->size(), out);
    const std::string text = out.str();
    INFO(text);
    CHECK(text.find("wrote to stdout: \"odd\\n\"") != std::string::npos);
    // Each run of five: two told, three folded.
    size_t folds = 0;
    for (size_t at = 0;
         (at = text.find("3 more like the one above (5 in all", at)) != std::string::npos; ++at)
        ++folds;
    CHECK(folds == 2);
    // Every fold is counted: the told exits and the folded ones make all eleven children.
    std::regex exitLine(R"(\] \d+ \w+ exited with code 0)");
    auto told = std::distance(std::sregex_iterator(text.begin(), text.end(), exitLine),
                              std::sregex_iterator());
    CHECK(told == 2 + 1 + 2 + 1); // the sh itself too
}

TEST_CASE("300 threads run as outside; a refused clone is an event and a sentence",
          "[story][cli][limit]") {
    if (pythonMissing()) return;
    const std::string py = lessonPython()->path;
    // Outside: what the program does without forklab.
    auto outside = runShellSplit("'" + py + "' -c '" + std::string(kThreads) + "' 300");
    REQUIRE(outside.out == "started 300\n");

    // Under the default limit: the same output and status; nothing refused.
    {
        TempTrace t("threads-default");
        auto r = runShellSplit("FORKLAB trace -q --export " + t.path + " -- '" + py + "' -c '" +
                               kThreads + "' 300");
        INFO(r.err);
        CHECK(r.out == outside.out);
        CHECK(r.exitCode == outside.exitCode);
        Run run = readBack(t.path);
        CHECK(run.events(EventKind::CloneRefused).empty());
        CHECK(r.err.find("LIMIT") == std::string::npos);
    }
    // Under --max-procs 50 the kernel refuses the clone: the program says so, and so does
    // forklab, in the trace and in the -q summary.
    TempTrace t("threads-50");
    auto r = runShellSplit("FORKLAB trace -q --max-procs 50 --export " + t.path + " -- '" + py +
                           "' -c '" + kThreads + "' 300");
    INFO(r.err);
    CHECK(r.exitCode == 3);
    CHECK(r.out.find("can't start new thread") != std::string::npos);
    Run run = readBack(t.path);
    auto refused = run.events(EventKind::CloneRefused);
    REQUIRE(refused.size() == 1);
    auto& d = refused[0]->as<ev::CloneRefused>();
    CHECK(d.how == ForkKind::Thread);
    CHECK(d.err == EAGAIN);
    CHECK(d.maxProcs == 50);
    CHECK(d.limit != TaskLimit::Other);
    // The refusing process is the interpreter, and it had as many threads as the limit allows.
    const World world = run.world(); // find() points into it
    const ProcessView* p = world.find(refused[0]->pid);
    REQUIRE(p);
    CHECK(p->name == "python3");
    std::regex started(R"(started (\d+))");
    std::smatch m;
    REQUIRE(std::regex_search(r.out, m, started));
    const int threads = std::stoi(m[1]);
    CHECK(threads + 1 + 1 == d.tasks); // its threads, its main thread, forklab's launcher
    CHECK(std::regex_search(r.err, std::regex("LIMIT: the run's limit of 50 tasks .* refused 1 "
                                              "clone .*; the first: \\d+ python3")));
    // The event story says it where it happened.
    auto replay = runForklab({"replay", "--text", t.path});
    CHECK(std::regex_search(replay.out,
                            std::regex(R"(LIMIT: \d+ python3 could not start a thread: the kernel )"
                                       R"(refused the clone \(EAGAIN\))")));
}

TEST_CASE("one role word for a Pool worker in the story, the JSONL and the Chrome export",
          "[story][cli][roles]") {
    if (pythonMissing()) return;
    const std::string py = lessonPython()->path;
    TempTrace t("pool-roles");
    // A script file: under forkserver the workers find `sq` by importing the main module, which
    // `python -c` does not have (they would fail and the Pool would wait for ever).
    TempFile script("pool-roles", ".py",
                    "import multiprocessing as mp\n"
                    "def sq(x): return x * x\n"
                    "if __name__ == \"__main__\":\n"
                    "    mp.set_start_method(\"forkserver\")\n"
                    "    with mp.Pool(2) as p: print(sum(p.map(sq, range(10))))\n");
    auto r = runShellSplit("FORKLAB trace --export " + t.path + " -- '" + py + "' " + script.path);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(r.out == "285\n");
    Run run = readBack(t.path);
    World w = run.world();
    // The workers: the forkserver's children, as the recorder saw them forked.
    std::vector<pid_t> workers;
    for (auto& [pid, p] : w.procs) {
        const ProcessView* parent = w.find(p.parent);
        if (parent && parent->role == Role::Forkserver && p.execs == 0) workers.push_back(pid);
    }
    REQUIRE(workers.size() == 2);
    const std::string jsonl = readFile(t.path);
    TempTrace chromePath("pool-roles-chrome");
    auto c = runForklab({"export", "-f", "chrome", "-o", chromePath.path, t.path});
    REQUIRE(c.exitCode == 0);
    const std::string chrome = readFile(chromePath.path);
    for (pid_t pid : workers) {
        CAPTURE(pid);
        CHECK(w.find(pid)->role == Role::ForkserverChild);
        const std::string id = std::to_string(pid);
        // JSONL: its proc event.
        CHECK(std::regex_search(jsonl, std::regex("\"kind\":\"proc\"[^\\n]*\"pid\":" + id +
                                                  ",\"role\":\"forkserver-child\"")));
        // Chrome: the track's name.
        CHECK(chrome.find("\"name\":\"" + id + " python3 [forkserver-child]\"") !=
              std::string::npos);
        // The story: every line that names it.
        CHECK(r.err.find(id + " python3 [forkserver-child]") != std::string::npos);
    }
    // The summary uses the same word for them (alike, they are one line with the count).
    const std::string summary = r.err.substr(r.err.find("Process tree:"));
    for (pid_t pid : workers)
        CHECK((summary.find(std::to_string(pid) + " (") != std::string::npos ||
               summary.find("2 × [forkserver-child] python3") != std::string::npos));
    CHECK(std::regex_search(
        summary, std::regex(R"(─ (\d+ \(\d+ inside\) |2 × )\[forkserver-child\] python3)")));
}

TEST_CASE("a process is named by its argv[0]; the executable is in the details",
          "[story][cli][names]") {
    // `awk` is an alternatives symlink (mawk or gawk): the name is what the program was called.
    char awkTarget[4096] = {};
    if (readlink("/etc/alternatives/awk", awkTarget, sizeof awkTarget - 1) <= 0 ||
        std::string(awkTarget).find("awk") == std::string::npos) {
        std::cout << "forklab-skip: /etc/alternatives/awk is not a link to an awk here\n";
        return;
    }
    TempTrace t("names");
    auto r = runShellSplit("FORKLAB trace --export " + t.path +
                           " -- sh -c 'echo 1 2 | awk \"{print \\$2}\"'");
    INFO(r.err);
    CHECK(r.out == "2\n");
    Run run = readBack(t.path);
    World w = run.world();
    const ProcessView* awk = nullptr;
    for (auto& [pid, p] : w.procs)
        if (!p.argv.empty() && p.argv[0] == "awk") awk = &p;
    REQUIRE(awk);
    CHECK(awk->name == "awk");
    CHECK(awk->exe != "/usr/bin/awk"); // the kernel ran the resolved file...
    const std::string id = std::to_string(awk->pid);
    // ...which the story shows beside the name, and the JSONL beside its "name".
    CHECK(r.err.find(id + " awk exec /usr/bin/awk  (argv: awk {print $2})  [runs " + awk->exe +
                     "]") != std::string::npos);
    CHECK(readFile(t.path).find("\"exe\":\"" + awk->exe +
                                "\",\"kind\":\"exec\",\"name\":\"awk\"") != std::string::npos);
    TempTrace chromePath("names-chrome");
    REQUIRE(runForklab({"export", "-f", "chrome", "-o", chromePath.path, t.path}).exitCode == 0);
    CHECK(readFile(chromePath.path).find("\"name\":\"" + id + " awk [program]\"") !=
          std::string::npos);
    auto dot = runForklab({"export", "-f", "dot", t.path});
    CHECK(dot.out.find(id + "  (pid") != std::string::npos);
    CHECK(std::regex_search(dot.out, std::regex(id + R"(  \(pid \d+ inside\)\\nawk\\n)")));
}

TEST_CASE("the fds forklab set up are forklab's, not opened by the program", "[story][cli]") {
    auto r = runShellSplit("FORKLAB trace --quiet-program -- sh -c 'echo hidden'");
    INFO(r.err);
    CHECK(r.out.empty());
    CHECK(r.err.find("set up by forklab: 0 /dev/null, 1 /dev/null, 2 /dev/null") !=
          std::string::npos);
    CHECK(r.err.find("kept across exec: 0 /dev/null, 1 /dev/null, 2 /dev/null") ==
          std::string::npos);
}
