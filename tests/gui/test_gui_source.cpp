// The Source panel and each step's focus (DESIGN §7), from the window's own state dumps under a
// virtual X server: the highlighted line is the step marker's line in the lesson's shipped source
// (live and replayed), a marker that names another file or a line past the end highlights
// nothing, and at every step of every lesson the selected process and tab are the step's focus.
#include "FocusRows.hpp"
#include "XvfbRunner.hpp"

#include <regex>
#include <set>

using namespace forklab::guitest;

namespace {

const std::string kSource = FORKLAB_SOURCE_DIR;

// The line the step's marker names holds the step call with that label.
void checkHighlight(const json& pane, const std::string& file) {
    const json& src = pane["source"];
    const std::string label = stepLabel(pane);
    CAPTURE(label, src.dump());
    REQUIRE(!label.empty());
    REQUIRE(src["line"].get<int>() > 0);
    CHECK(src["line"] == src["marker_line"]);
    CHECK(src["file"] == std::filesystem::path(file).filename().string());
    const auto lines = fileLines(file);
    const int line = src["line"];
    REQUIRE(line <= int(lines.size()));
    const std::string& text = lines[size_t(line - 1)];
    CHECK_THAT(text, Catch::Contains("\"" + label + "\"") && Catch::Contains("tep("));
    CHECK(src["text"] == text); // a line of code is shown as it is, also before the reveal
}

} // namespace

TEST_CASE("the Source panel highlights the step marker's line at each step of "
          "mutex-after-fork and python-test-value",
          "[gui][xvfb][source]") {
    struct Case {
        const char* lesson;
        const char* method;
        std::string file;
    };
    const Case cases[] = {
        {"mutex-after-fork", "fork", kSource + "/scenarios/mutex_after_fork.cpp"},
        {"mutex-after-fork", "spawn", kSource + "/scenarios/mutex_after_fork.cpp"},
        {"python-test-value", "fork", kSource + "/scenarios/python/test_value.py"},
        {"python-test-value", "forkserver", kSource + "/scenarios/python/test_value.py"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.lesson, c.method);
        int code = -1;
        const auto dumps = stepDumps(std::string("source_") + c.lesson + "_" + c.method,
                                     {"--scenario", c.lesson, "--method", c.method}, 3, &code);
        if (std::string(c.lesson).rfind("python-", 0) == 0 && code == 2) {
            WARN("no CPython for " << c.lesson);
            continue;
        }
        REQUIRE(code == 0);
        std::set<int> markersSeen;
        for (const json& d : dumps) {
            REQUIRE(d.is_object());
            const json& p = d["panes"][0];
            const int marker = p["cursor"]["marker"];
            CAPTURE(marker);
            if (!markersSeen.insert(marker).second) continue;
            checkHighlight(p, c.file);
        }
        // Every step the run had was looked at.
        CHECK(markersSeen.size() == dumps.back()["panes"][0]["cursor"]["markers"].get<size_t>());
    }
}

TEST_CASE("a replayed lesson trace shows its Source; a marker naming another file or a line "
          "past the end highlights nothing",
          "[gui][xvfb][source]") {
    const std::string trace = kOut + "/source_replay.forklab.jsonl";
    std::filesystem::create_directories(kOut);
    std::filesystem::remove(trace);
    const std::string run = quote(FORKLAB_BINARY) +
                            " run mutex-after-fork --method fork -q --export " + quote(trace) +
                            " >/dev/null 2>&1";
    std::system(run.c_str());
    REQUIRE(std::filesystem::exists(trace));
    const std::string file = kSource + "/scenarios/mutex_after_fork.cpp";

    const Shown s = show("source_replay", {"--trace", trace, "--goto-step", "key"});
    REQUIRE(s.exitCode == 0);
    CHECK(s.state["lesson"] == "mutex-after-fork");
    checkHighlight(s.state["panes"][0], file);

    // The program said something else: the same trace, its markers rewritten.
    std::ifstream in(trace);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const std::regex fileField(R"re("file":"[^"]*")re"), lineField(R"re("line":[0-9]+)re");
    struct Lie {
        const char* name;
        std::string text;
    };
    const Lie lies[] = {
        {"other_file", std::regex_replace(text, fileField, R"("file":"/etc/mutex_after_fork.c")")},
        {"past_end", std::regex_replace(text, lineField, R"("line":999999)")},
    };
    for (const Lie& lie : lies) {
        CAPTURE(lie.name);
        REQUIRE(lie.text != text);
        const std::string path = kOut + "/source_" + lie.name + ".forklab.jsonl";
        std::ofstream(path) << lie.text;
        const Shown l =
            show(std::string("source_") + lie.name, {"--trace", path, "--goto-step", "key"});
        REQUIRE(l.exitCode == 0);
        const json& src = l.state["panes"][0]["source"];
        CAPTURE(src.dump());
        CHECK(src["line"] == 0);
        CHECK(src["text"] == "");
        CHECK(!src["why"].get<std::string>().empty());
        CHECK(src["marker_line"].get<int>() > 0); // what the program said is still on record
    }
}

TEST_CASE("at every step of every lesson the selected process and tab are the step's focus",
          "[gui][xvfb][focus]") {
    std::vector<std::string> ids;
    for (auto& e : std::filesystem::directory_iterator(kSource + "/assets/lessons"))
        if (e.path().extension() == ".md") ids.push_back(e.path().stem().string());
    std::sort(ids.begin(), ids.end());
    REQUIRE(ids.size() >= 19);
    const DeclaredRows rows = declaredRows(kSource + "/assets/lessons");
    for (const std::string& id : ids) {
        for (const char* method : {"fork", "spawn", "forkserver"}) {
            CAPTURE(id, method);
            std::vector<std::string> args = {"--scenario", id, "--method", method};
            if (id == "launch-latency") args.insert(args.end(), {"--variant", "3"});
            int code = -1;
            const auto dumps = stepDumps("focus_" + id + "_" + method, args, 6, &code);
            if (id.rfind("python-", 0) == 0 && code == 2) {
                WARN("no CPython for " << id);
                continue;
            }
            REQUIRE(code == 0);
            std::set<int> seen;
            int rowsDeclared = 0, rowsFound = 0;
            for (const json& d : dumps) {
                REQUIRE(d.is_object());
                const json& p = d["panes"][0];
                const int marker = p["cursor"]["marker"];
                if (!seen.insert(marker).second) continue;
                const json& f = p["focus"];
                CAPTURE(marker, stepLabel(p), f.dump());
                // Every step says what to look at.
                REQUIRE(f["process"] != "");
                CHECK(d["tab"] == f["tab"]);
                // The declared process, found in the dumped tree by how it started.
                const std::string want = f["process"];
                pid_t expected = 0;
                for (auto& n : p["tree"]) {
                    const std::string start = n["start"];
                    const bool helper = start == "sandbox" || start == "started by forklab" ||
                                        start == "forkserver" || start == "resource-tracker";
                    if ((want == "parent" && start == "started by forklab") ||
                        (want == "child" && !helper) ||
                        (want == "forkserver" && start == "forkserver") ||
                        (want == "tracker" && start == "resource-tracker")) {
                        expected = n["pid"];
                        break;
                    }
                }
                if (want == "marker") expected = f["pid"];
                CHECK(expected != 0);
                CHECK(f["pid"] == expected);
                CHECK(p["selected"] == expected);
                // The row the step points at, when the lesson declares one (FocusRows.hpp).
                auto lesson = rows.find(id);
                if (lesson == rows.end()) continue;
                auto step = lesson->second.find(stepLabel(p));
                if (step == lesson->second.end()) continue;
                const std::string& words = step->second[size_t(methodIndex(method))];
                if (words.empty()) continue;
                rowsFound += checkFocusRow(p, id, method, words);
                ++rowsDeclared;
            }
            CHECK(seen.size() == dumps.back()["panes"][0]["cursor"]["markers"].get<size_t>());
            // A row held back while the question is open is pointed at later in the run.
            CHECK((rowsDeclared == 0 || rowsFound > 0));
        }
    }
}
