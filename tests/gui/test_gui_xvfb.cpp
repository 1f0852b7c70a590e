// The real window under a virtual X server, in test mode: `forklab gui --frames N
// --screenshot --dump-state` on lessons and fixtures, checking what the views show (the JSON
// is built from the same rows the views draw) and that a PNG came out.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using nlohmann::json;

namespace {

const std::string kOut = std::string(FORKLAB_GUI_TEST_OUT);

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

struct Shown {
    int exitCode = -1;
    json state;
    std::string png;
};

// Runs `forklab gui --frames N` under xvfb-run with `args` and reads back the dump.
Shown show(const std::string& name, const std::vector<std::string>& args,
           const std::string& env = "", int frames = 3, const std::string& screen = "1600x900") {
    std::filesystem::create_directories(kOut);
    Shown s;
    s.png = kOut + "/" + name + ".png";
    const std::string dump = kOut + "/" + name + ".json";
    std::filesystem::remove(s.png);
    std::filesystem::remove(dump);
    std::string cmd = env + " " + FORKLAB_XVFB_RUN + " -a -s '-screen 0 " + screen + "x24' " +
                      quote(FORKLAB_BINARY) + " gui --frames " + std::to_string(frames) +
                      " --screenshot " + quote(s.png) + " --dump-state " + quote(dump);
    for (auto& a : args) cmd += " " + quote(a);
    cmd += " >" + quote(kOut + "/" + name + ".log") + " 2>&1";
    int st = std::system(cmd.c_str());
    // xvfb-run exits 5 when it fails to remove its own temporary directory (seen when several
    // run at once): that is xvfb-run's failure, not forklab's, so run it once more.
    if (WIFEXITED(st) && WEXITSTATUS(st) == 5) {
        std::ifstream log(kOut + "/" + name + ".log");
        std::string text((std::istreambuf_iterator<char>(log)), {});
        if (text.find("problem while cleaning up temporary directory") != std::string::npos)
            st = std::system(cmd.c_str());
    }
    s.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    std::ifstream in(dump);
    if (in) s.state = json::parse(in, nullptr, false);
    return s;
}

std::string fixture(const std::string& name) {
    return std::string(FORKLAB_FIXTURE_DIR) + "/" + name;
}

// A tree node by what its card says: "parent"/"child" (or the program's name) and how it started.
const json* node(const json& pane, const std::string& label, const std::string& start) {
    for (auto& n : pane["tree"])
        if (n["label"] == label && n["start"] == start) return &n;
    return nullptr;
}

const json* fd(const json& pane, int number, const std::string& status) {
    for (auto& r : pane["fds"]["rows"])
        if (r["fd"] == number && r["status"] == status) return &r;
    return nullptr;
}

bool pngWritten(const std::string& path) {
    std::error_code ec;
    return std::filesystem::file_size(path, ec) > 10000;
}

} // namespace

TEST_CASE("mutex-after-fork under fork: the child is deadlocked, the owner is not its thread",
          "[gui][xvfb]") {
    const Shown s = show("mutex_fork_last", {"--scenario", "mutex-after-fork", "--method", "fork",
                                             "--goto-step", "last", "--tab", "sync"});
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    const json& p = s.state["panes"][0];
    CHECK(s.state["mode"] == "lesson");
    CHECK(p["finished"] == true);
    const json* child = node(p, "child", "fork");
    REQUIRE(child);
    CHECK((*child)["state"] == "DEADLOCKED");
    CHECK((*child)["threads"] == 1);
    const json* parent = node(p, "parent", "started by forklab");
    REQUIRE(parent);
    CHECK((*parent)["threads"] == 2);
    REQUIRE(p["deadlocks"].size() == 1);
    const json& d = p["deadlocks"][0];
    CHECK(d["rule"] == "a");
    CHECK(d["mutex"] == "log_lock");
    CHECK(d["owner_in_process"] == false);
    CHECK(d["headline"].get<std::string>().find("not a thread of this process") !=
          std::string::npos);
    CHECK(p["narration"]["step"].get<std::string>().find("gives up") != std::string::npos);
    CHECK(!p["narration"]["reveal"].get<std::string>().empty()); // after the key step: answered
}

TEST_CASE("mutex-after-fork at the key step asks the question and hides the answer",
          "[gui][xvfb]") {
    const Shown s = show("mutex_fork_key", {"--scenario", "mutex-after-fork", "--method", "fork",
                                            "--goto-step", "key"});
    REQUIRE(s.exitCode == 0);
    const json& n = s.state["panes"][0]["narration"];
    CHECK(n["before_key"] == true);
    CHECK(!n["question"].get<std::string>().empty());
    CHECK(n["choices"].size() >= 2);
    CHECK(n["reveal"] == "");
    CHECK(!n["text"].get<std::string>().empty());
    // The child is selected (the key step is its marker) and holds what it inherited.
    const json& p = s.state["panes"][0];
    const json* child = node(p, "child", "fork");
    REQUIRE(child);
    CHECK(p["selected"] == (*child)["pid"]);
    CHECK(fd(p, 0, "open"));
    CHECK((*fd(p, 0, "open"))["inherited"] == true);
}

TEST_CASE("fd-inheritance under spawn: exec closed the CLOEXEC file, the launcher the rest",
          "[gui][xvfb]") {
    const Shown s = show("fd_inheritance_spawn", {"--scenario", "fd-inheritance", "--method",
                                                  "spawn", "--goto-step", "key"});
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    CHECK(node(p, "child", "spawn (fork+exec)"));
    CHECK(node(p, "tracker", "tracker"));
    bool cloexecClosedByExec = false, lessonFdsOpen = false;
    for (auto& r : p["fds"]["rows"]) {
        const std::string name = r["name"];
        if (r["status"] == "closed_by_exec" && r["cloexec"] == true &&
            name.find("CLOEXEC file") != std::string::npos)
            cloexecClosedByExec = true;
        if (r["status"] == "open" && name.rfind("lesson:", 0) == 0) lessonFdsOpen = true;
    }
    CHECK(cloexecClosedByExec);
    CHECK_FALSE(lessonFdsOpen);
    CHECK(p["fds"]["when"] == "at the lesson step");
}

TEST_CASE("fd-inheritance under fork: the child holds all four, CLOEXEC too", "[gui][xvfb]") {
    const Shown s = show("fd_inheritance_fork", {"--scenario", "fd-inheritance", "--method", "fork",
                                                 "--goto-step", "key"});
    REQUIRE(s.exitCode == 0);
    int lessonFds = 0;
    for (auto& r : s.state["panes"][0]["fds"]["rows"])
        if (r["status"] == "open" && r["inherited"] == true &&
            r["name"].get<std::string>().rfind("lesson:", 0) == 0)
            ++lessonFds;
    CHECK(lessonFds == 5); // a file, both ends of a pipe, a CLOEXEC file, an inheritable file
}

TEST_CASE("compare mode runs the lesson under all three methods", "[gui][xvfb]") {
    const Shown s = show("compare_start_methods",
                         {"--scenario", "start-methods", "--compare", "--goto-step", "last"});
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    CHECK(s.state["mode"] == "compare");
    REQUIRE(s.state["panes"].size() == 3);
    CHECK(s.state["panes"][0]["method"] == "fork");
    CHECK(s.state["panes"][1]["method"] == "spawn");
    CHECK(s.state["panes"][2]["method"] == "forkserver");
    // Under forkserver the child is the server's child.
    bool serverChild = false;
    for (auto& n : s.state["panes"][2]["tree"]) serverChild |= n["start"] == "forkserver child";
    CHECK(serverChild);
}

TEST_CASE("any program: the semaphore ledger shows a leak, at scale 2, high contrast",
          "[gui][xvfb]") {
    const Shown s = show("sem_kill_program", {"--scale", "2", "--theme", "high-contrast", "--tab",
                                              "sync", "--", fixture("sem_kill"), "/gui_xvfb"});
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    CHECK(s.state["mode"] == "program");
    CHECK(s.state["scale"] == 2.0);
    const json& sems = s.state["panes"][0]["semaphores"];
    REQUIRE(sems.size() == 1);
    CHECK(sems[0]["name"] == "/gui_xvfb");
    CHECK(sems[0]["leaked"] == true);
}

TEST_CASE("bad test-mode arguments are usage errors", "[gui][xvfb]") {
    CHECK(show("bad_lesson", {"--scenario", "no-such-lesson"}).exitCode == 2);
    CHECK(show("bad_step", {"--goto-step", "banana", "--", "true"}).exitCode == 2);
}

TEST_CASE("test mode neither reads nor writes the settings file", "[gui][xvfb]") {
    const std::string home = kOut + "/home";
    std::filesystem::remove_all(home);
    std::filesystem::create_directories(home + "/.config/forklab");
    { std::ofstream(home + "/.config/forklab/gui.conf") << "scale=3\ntheme=light\n"; }
    const Shown s =
        show("settings_untouched", {"--", "true"}, "env HOME=" + quote(home) + " XDG_CONFIG_HOME=");
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["scale"] == 1.0);
    CHECK(s.state["theme"] == "dark");
    std::ifstream in(home + "/.config/forklab/gui.conf");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "scale=3\ntheme=light\n");
}

TEST_CASE("closing the window mid-run ends the run: nothing survives", "[gui][xvfb]") {
    // A unique sleep length names the processes this test started.
    const std::string tag = "31.4" + std::to_string(getpid() % 1000);
    const Shown s =
        show("close_mid_run", {"--live", "--", "sh", "-c", "sleep " + tag + " & sleep " + tag});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["panes"][0]["finished"] == false); // it was still running when the window closed
    // ("[s]leep" so that the shell running pgrep does not match itself)
    const int left = std::system(("pgrep -f '[s]leep " + tag + "' >/dev/null").c_str());
    CHECK(WEXITSTATUS(left) == 1); // pgrep: no process matched
}

TEST_CASE("a live lesson holds at each step and Next releases one gate at a time", "[gui][xvfb]") {
    // Frame 2 starts the run; it stops at step 1 (await: however long a loaded machine takes to
    // get there). Next at frame 40 lets it run to step 2 (the key step), where it is held again
    // and the answer is not shown yet.
    const Shown s = show("live_hold",
                         {"--scenario", "mutex-after-fork", "--method", "fork", "--live", "--hold",
                          "--actions", "39:await,40:next,119:await"},
                         "", 120);
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    CHECK(p["held"] == true);
    CHECK(p["cursor"]["marker"] == 2);
    CHECK(p["breaks"] == 2); // held at step 1, then at step 2: two breaks on the timeline
    CHECK(p["narration"]["before_key"] == true);
    CHECK(p["narration"]["reveal"] == "");
    const json* child = node(p, "child", "fork");
    REQUIRE(child);
    CHECK((*child)["state"] != "DEADLOCKED"); // the class predicts before the kernel shows it
}

TEST_CASE("a recorded trace replays without running anything", "[gui][xvfb]") {
    const std::string file = kOut + "/replay.forklab.jsonl";
    const std::string record = quote(FORKLAB_BINARY) + " trace -q --export " + quote(file) +
                               " -- " + quote(fixture("cloexec_exec")) + " >/dev/null 2>&1";
    REQUIRE(std::system(record.c_str()) == 0);
    const Shown s = show("replay", {"--trace", file, "--goto-step", "last"});
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    CHECK(p["finished"] == true);
    CHECK(p["live"] == false);
    CHECK(!p["tree"].empty());
}

TEST_CASE("every lesson under every method at its key step: question open, the stepping "
          "process selected, and the tree as the kernel showed it",
          "[gui][xvfb]") {
    const char* lessonIds[] = {"start-methods",     "global-state",  "fd-inheritance",
                               "mutex-after-fork",  "atfork-fix",    "threads-after-fork",
                               "semaphore-tracker", "forkserver-ps", "launch-latency"};
    for (const char* id : lessonIds) {
        for (const char* method : {"fork", "spawn", "forkserver"}) {
            CAPTURE(id, method);
            std::vector<std::string> args = {"--scenario",  id,   "--method", method,
                                             "--goto-step", "key"};
            if (std::string(id) == "launch-latency") args.insert(args.end(), {"--variant", "3"});
            const Shown s = show(std::string("key_") + id + "_" + method, args, "", 2);
            REQUIRE(s.exitCode == 0);
            CHECK(pngWritten(s.png));
            const json& p = s.state["panes"][0];
            CHECK(s.state["mode"] == "lesson");
            const json& n = p["narration"];
            CHECK(n["before_key"] == true);
            CHECK(!n["question"].get<std::string>().empty());
            CHECK(n["reveal"] == "");
            bool selectedInTree = false;
            int running = 0;
            for (auto& node : p["tree"]) {
                selectedInTree |= node["pid"] == p["selected"];
                running += node["state"] == "running";
            }
            CHECK(selectedInTree);
            if (std::string(id) == "forkserver-ps") {
                int expected = std::string(method) == "fork"    ? 2
                               : std::string(method) == "spawn" ? 3
                                                                : 4;
                CHECK(running == expected);
            }
        }
    }
}

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The width and height in a PNG's IHDR chunk (0, 0 if it is not a PNG).
std::pair<unsigned, unsigned> pngSize(const std::string& path) {
    const std::string b = slurp(path);
    if (b.size() < 24 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || b.compare(12, 4, "IHDR"))
        return {0, 0};
    auto be32 = [&](size_t at) {
        unsigned v = 0;
        for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
        return v;
    };
    return {be32(16), be32(20)};
}

} // namespace

TEST_CASE("Export… and PNG from the window write real files: the JSONL replays to the same "
          "events, the Chrome file has traceEvents, the DOT is this step's tree, the PNG is the "
          "window",
          "[gui][xvfb][files]") {
    const std::string dir = kOut + "/files";
    std::filesystem::remove_all(dir);
    const std::string jsonl = dir + "/maf.forklab.jsonl", chrome = dir + "/maf.chrome.json",
                      dot = dir + "/maf.dot", png = dir + "/maf.png";
    const Shown s =
        show("files_export",
             {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step", "key", "--size",
              "1280x720", "--export-from-gui", "jsonl", jsonl, "--export-from-gui", "chrome",
              chrome, "--export-from-gui", "dot", dot, "--png-from-gui", png});
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    const json& files = s.state["files"];
    CHECK(files["export_error"] == "");
    CHECK(files["last_export"] == jsonl); // what Open… suggests next
    // The last thing done (the PNG) is confirmed under the bar, with its path to copy.
    CHECK(files["result"]["ok"] == true);
    CHECK(files["result"]["path"] == png);
    CHECK(files["result"]["text"].get<std::string>().find("1280\u00d7720") != std::string::npos);
    CHECK(pngSize(png) == std::make_pair(1280u, 720u));

    // The JSONL opens again (as Open… and --trace do) with every event.
    const Shown again = show("files_reopen", {"--open-from-gui", jsonl, "--goto-step", "last"});
    REQUIRE(again.exitCode == 0);
    CHECK(again.state["files"]["open_error"] == "");
    CHECK(again.state["files"]["result"]["ok"] == true);
    REQUIRE(again.state["panes"].size() == 1);
    CHECK(again.state["panes"][0]["events"] == p["events"]);
    CHECK(again.state["panes"][0]["finished"] == true);

    const json trace = json::parse(slurp(chrome), nullptr, false);
    REQUIRE_FALSE(trace.is_discarded());
    REQUIRE(trace.contains("traceEvents"));
    CHECK(trace["traceEvents"].size() > 10);

    // At the key step (lesson step 2) the tree has the parent and the child.
    const std::string graph = slurp(dot);
    CHECK(graph.rfind("digraph forklab {", 0) == 0);
    CHECK(graph.find("lesson step 2 of ") != std::string::npos);
    for (auto& n : p["tree"])
        CHECK(graph.find("p" + std::to_string(n["pid"].get<int>()) + " ") != std::string::npos);
}

TEST_CASE("the Export… popup suggests <lesson>-<method> names in the working directory",
          "[gui][xvfb][files]") {
    const Shown s = show("files_export_popup",
                         {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step",
                          "key", "--file-menu", "export"},
                         "", 4);
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    const std::string path = s.state["files"]["export_path"];
    CHECK(path ==
          std::filesystem::current_path().string() + "/mutex-after-fork-fork.forklab.jsonl");
}

TEST_CASE("Open… of a malformed file shows the importer's error and keeps the window going",
          "[gui][xvfb][files]") {
    std::filesystem::create_directories(kOut);
    const std::string bad = kOut + "/malformed.forklab.jsonl";
    {
        std::ofstream out(bad);
        out << "{\"format\":\"forklab-trace\",\"kind\":\"header\",\"t\":0,\"version\":1}\n"
            << "{\"kind\":\"proc\",\"t\":\"soon\"}\n";
    }
    const Shown s = show("files_open_malformed",
                         {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step",
                          "key", "--open-from-gui", bad, "--file-menu", "open"},
                         "", 4);
    REQUIRE(s.exitCode == 0);
    REQUIRE(pngWritten(s.png));
    const std::string error = s.state["files"]["open_error"];
    CHECK(error.find(bad) != std::string::npos);
    CHECK(error.find("line 2") != std::string::npos);
    CHECK(s.state["files"]["open_path"] == bad); // left in the field to be corrected
    // What was shown stays shown.
    CHECK(s.state["mode"] == "lesson");
    REQUIRE(s.state["panes"].size() == 1);
    CHECK(s.state["panes"][0]["finished"] == true);
}

TEST_CASE("Export… waits for a live run to finish", "[gui][xvfb][files]") {
    const std::string out = kOut + "/files/live.forklab.jsonl";
    std::filesystem::remove(out);
    const Shown s = show("files_export_live",
                         {"--live", "--export-from-gui", "jsonl", out, "--", "sleep", "30"});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["panes"][0]["finished"] == false);
    CHECK(s.state["files"]["result"]["ok"] == false);
    CHECK(s.state["files"]["export_error"].get<std::string>().find("still recording") !=
          std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("bad --export-from-gui arguments are usage errors", "[gui][xvfb][files]") {
    CHECK(show("bad_export_format", {"--export-from-gui", "png", kOut + "/x.png", "--", "true"})
              .exitCode == 2);
    CHECK(show("bad_export_pair", {"--export-from-gui", "jsonl"}).exitCode == 2);
}

namespace {

bool has(const json& list, const std::string& what) {
    for (auto& x : list)
        if (x == what) return true;
    return false;
}

pid_t rootPid(const json& pane) {
    for (auto& n : pane["tree"])
        if (n["start"] == "started by forklab") return n["pid"].get<pid_t>();
    return 0;
}

// Whether the dump shows any fact of the kinds the lesson declared as its answer.
std::vector<std::string> answersShown(const json& pane, const json& facts) {
    std::vector<std::string> shown;
    const pid_t root = rootPid(pane);
    for (auto& n : pane["tree"]) {
        if (n["pid"] == root) continue;
        if (has(facts, "threads") && n["threads"] != "?")
            shown.push_back("threads of " + n["label"].get<std::string>());
        if (has(facts, "verdict") && (n["state"] == "DEADLOCKED" || n["state"] == "blocked"))
            shown.push_back("state of " + n["label"].get<std::string>());
        if (has(facts, "exit") && (n["state"] == "exited" || n["state"] == "killed"))
            shown.push_back("end of " + n["label"].get<std::string>());
    }
    if (has(facts, "verdict") && (!pane["deadlocks"].empty() || !pane["waits"].empty()))
        shown.push_back("verdicts or waits");
    if ((has(facts, "output") && pane["selected"] != root) || has(facts, "timings"))
        if (!pane["output"].empty()) shown.push_back("output");
    if (has(facts, "ledger"))
        for (auto& r : pane["semaphores"])
            if (r["leaked"] != "?") shown.push_back("ledger");
    if (!pane["narration"]["per_method"].get<std::string>().empty())
        shown.push_back("per-method note");
    return shown;
}

} // namespace

TEST_CASE("no spoilers: at the key step no view shows the lesson's declared answer and Next "
          "reveals it with the key step's process and the answer's tab in view",
          "[gui][xvfb][spoilers]") {
    const char* lessonIds[] = {"global-state",
                               "mutex-after-fork",
                               "atfork-fix",
                               "threads-after-fork",
                               "semaphore-tracker",
                               "forkserver-ps",
                               "launch-latency",
                               "python-test-value",
                               "python-lock-after-fork",
                               "python-semaphore-killed",
                               "python-forkserver-ps"};
    for (const char* id : lessonIds) {
        for (const char* method : {"fork", "spawn", "forkserver"}) {
            CAPTURE(id, method);
            std::vector<std::string> args = {"--scenario",  id,   "--method", method,
                                             "--goto-step", "key"};
            if (std::string(id) == "launch-latency") args.insert(args.end(), {"--variant", "3"});
            const Shown before = show(std::string("spoil_") + id + "_" + method, args, "", 2);
            if (std::string(id).rfind("python-", 0) == 0 && before.exitCode == 2) {
                WARN("no CPython for " << id);
                continue;
            }
            REQUIRE(before.exitCode == 0);
            const json& p = before.state["panes"][0];
            const json& facts = p["spoilers"]["hidden"];
            CHECK(p["spoilers"]["pending"] == true);
            CHECK(!facts.empty()); // every lesson here declares what answers its question
            CHECK(p["narration"]["reveal"] == "");
            CHECK(answersShown(p, facts).empty());
            CAPTURE(answersShown(p, facts));

            // Next, as the teacher presses it at the key step.
            args.insert(args.end(), {"--actions", "1:next"});
            const Shown after = show(std::string("reveal_") + id + "_" + method, args, "", 4);
            REQUIRE(after.exitCode == 0);
            const json& q = after.state["panes"][0];
            CHECK(q["spoilers"]["pending"] == false);
            CHECK(q["spoilers"]["hidden"].empty());
            CHECK(!q["narration"]["reveal"].get<std::string>().empty());
            CHECK(!q["narration"]["per_method"].get<std::string>().empty());
            for (auto& n : q["tree"]) {
                CHECK(n["threads"] != "?");
                CHECK(n["state"] != "?");
            }
            // The key step's process is in view, on the tab that holds the answer.
            if (has(facts, "ledger") || has(facts, "verdict"))
                CHECK(after.state["tab"] == "sync");
            else if (has(facts, "output") || has(facts, "timings"))
                CHECK(after.state["tab"] == "output");
        }
    }
}

TEST_CASE("global-state's reveal shows the child's printed value without a click",
          "[gui][xvfb][spoilers]") {
    for (const char* method : {"fork", "spawn"}) {
        CAPTURE(method);
        const Shown s = show(std::string("global_state_reveal_") + method,
                             {"--scenario", "global-state", "--method", method, "--goto-step",
                              "key", "--actions", "1:next"},
                             "", 4);
        REQUIRE(s.exitCode == 0);
        const json& p = s.state["panes"][0];
        const json* child =
            node(p, "child", std::string(method) == "fork" ? "fork" : "spawn (fork+exec)");
        REQUIRE(child);
        CHECK(p["selected"] == (*child)["pid"]);
        CHECK(s.state["tab"] == "output");
        std::string out;
        for (auto& l : p["output"]) out += l["text"].get<std::string>();
        CHECK_THAT(out, Catch::Contains(std::string(method) == "fork" ? "999" : "777"));
    }
}

TEST_CASE("the semaphore lessons open on the /dev/shm ledger", "[gui][xvfb][spoilers]") {
    const Shown s = show("sem_opens_ledger", {"--scenario", "semaphore-tracker", "--method",
                                              "spawn", "--goto-step", "1"});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["tab"] == "sync");
}

TEST_CASE("on a projector (1280x720 at scale 2 and 1920x1080 at scale 3) the controls fold into "
          "one bar and the tree panel shows every process of forkserver-ps",
          "[gui][xvfb][present]") {
    for (auto [size, scale] : {std::pair{"1280x720", "2"}, {"1920x1080", "3"}}) {
        CAPTURE(size, scale);
        const Shown s = show(std::string("present_") + size,
                             {"--scenario", "forkserver-ps", "--method", "forkserver",
                              "--goto-step", "key", "--size", size, "--scale", scale},
                             "", 3, size);
        REQUIRE(s.exitCode == 0);
        CHECK(s.state["present"] == true); // short for its font: one thin bar
        const json& t = s.state["panes"][0]["tree_panel"];
        CHECK(t["h"].get<double>() >= 0.4 * s.state["window"]["h"].get<double>());
        REQUIRE(t["cards"].size() == 4); // parent, tracker, server, child
        for (auto& c : t["cards"]) CHECK(c["visible"] == true);
        // The command lines the lesson asks to read are on the cards, not only in tooltips.
        bool tracker = false, server = false;
        for (auto& n : s.state["panes"][0]["tree"]) {
            const std::string cmd = n["command_line"];
            tracker |= cmd.rfind("--forklab-tracker", 0) == 0;
            server |= cmd.rfind("--forklab-forkserver", 0) == 0;
        }
        CHECK(tracker);
        CHECK(server);
    }
    // A roomy window keeps the full bar.
    const Shown wide = show("present_1600", {"--scenario", "forkserver-ps", "--method",
                                             "forkserver", "--goto-step", "key"});
    REQUIRE(wide.exitCode == 0);
    CHECK(wide.state["present"] == false);
    for (auto& c : wide.state["panes"][0]["tree_panel"]["cards"]) CHECK(c["visible"] == true);
}

TEST_CASE("a lesson's recording replays as the lesson and picking another lesson leaves nothing "
          "of it",
          "[gui][xvfb][replay]") {
    const std::string file = kOut + "/global-state-spawn.forklab.jsonl";
    std::filesystem::remove(file);
    const std::string record = quote(FORKLAB_BINARY) +
                               " run global-state --method spawn --export " + quote(file) +
                               " >/dev/null 2>&1";
    REQUIRE(std::system(record.c_str()) == 0);
    const Shown s = show("replay_lesson", {"--trace", file, "--goto-step", "key"});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["mode"] == "lesson");
    CHECK(s.state["lesson"] == "global-state");
    const json& p = s.state["panes"][0];
    CHECK(p["method"] == "spawn");
    CHECK(p["live"] == false);
    CHECK(!p["narration"]["question"].get<std::string>().empty());
    CHECK(p["narration"]["step"].get<std::string>().find("the child reads Test.value") !=
          std::string::npos);
    CHECK(p["spoilers"]["pending"] == true);

    const Shown picked =
        show("replay_then_pick", {"--trace", file, "--actions", "1:lesson=mutex-after-fork"});
    REQUIRE(picked.exitCode == 0);
    CHECK(picked.state["lesson"] == "mutex-after-fork");
    CHECK(picked.state["panes"].empty()); // the old run and its narration are gone
}

TEST_CASE("compare mode: each column says its status and after the reveal its key fact",
          "[gui][xvfb][compare]") {
    const Shown key = show(
        "compare_key", {"--scenario", "global-state", "--compare", "--goto-step", "key"}, "", 4);
    REQUIRE(key.exitCode == 0);
    REQUIRE(key.state["panes"].size() == 3);
    for (auto& p : key.state["panes"]) {
        CHECK(p["status"].get<std::string>().rfind("ended: exit code 0", 0) == 0);
        CHECK(p["key_fact"].get<std::string>().rfind("?", 0) == 0); // not before the reveal
        CHECK(p["narration"]["per_method"] == "");
    }
    const Shown after = show(
        "compare_reveal",
        {"--scenario", "global-state", "--compare", "--goto-step", "key", "--actions", "1:next"},
        "", 4);
    REQUIRE(after.exitCode == 0);
    REQUIRE(after.state["panes"].size() == 3);
    const char* expected[] = {"999", "777", "777"}; // fork, spawn, forkserver
    for (size_t i = 0; i < 3; ++i) {
        const json& p = after.state["panes"][i];
        CAPTURE(p["method"]);
        CHECK_THAT(p["key_fact"].get<std::string>(), Catch::Contains(expected[i]));
        CHECK(!p["narration"]["per_method"].get<std::string>().empty());
    }
}

TEST_CASE("a tree of a hundred processes: search finds a pid and the tree scrolls to it",
          "[gui][xvfb][search]") {
    const std::string file = kOut + "/hundred.forklab.jsonl";
    std::filesystem::remove(file);
    const std::string record = quote(FORKLAB_BINARY) + " trace -q --export " + quote(file) +
                               " -- bash -c 'for i in $(seq 100); do /bin/true; done'" +
                               " >/dev/null 2>&1";
    REQUIRE(std::system(record.c_str()) == 0);
    const Shown all = show("hundred", {"--trace", file, "--goto-step", "last"});
    REQUIRE(all.exitCode == 0);
    const json& tree = all.state["panes"][0]["tree"];
    REQUIRE(tree.size() > 100);
    const int wanted = tree[tree.size() - 20]["pid"].get<int>(); // far below the first screen
    bool visibleBefore = true;
    for (auto& c : all.state["panes"][0]["tree_panel"]["cards"])
        if (c["pid"] == wanted) visibleBefore = c["visible"];
    CHECK_FALSE(visibleBefore); // it has to scroll to show it

    const Shown found = show(
        "hundred_search",
        {"--trace", file, "--goto-step", "last", "--actions", "1:search=" + std::to_string(wanted)},
        "", 4);
    REQUIRE(found.exitCode == 0);
    const json& p = found.state["panes"][0];
    CHECK(p["search"] == std::to_string(wanted));
    CHECK(p["selected"] == wanted);
    bool visible = false;
    for (auto& c : p["tree_panel"]["cards"])
        if (c["pid"] == wanted) visible = c["visible"];
    CHECK(visible);
}

TEST_CASE("presenter keys: two PgDn taps within one frame are two steps and B blanks the screen",
          "[gui][xvfb][keys]") {
    // Both presses reach the window's key queue before the next frame, as a fast double tap
    // does; each is a step.
    const Shown s = show("keys_pgdn",
                         {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step", "1",
                          "--actions", "1:key=PageDown,1:key=PageDown"},
                         "", 4);
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["panes"][0]["cursor"]["marker"] == 3);
    CHECK(s.state["blank"] == false);
    const Shown back = show("keys_pgup",
                            {"--scenario", "mutex-after-fork", "--method", "fork", "--goto-step",
                             "3", "--actions", "1:key=PageUp,2:key=B,2:key=3"},
                            "", 4);
    REQUIRE(back.exitCode == 0);
    CHECK(back.state["panes"][0]["cursor"]["marker"] == 2);
    CHECK(back.state["blank"] == true);
}
