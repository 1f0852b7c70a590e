// Compare mode's Source panel (DESIGN §7, issue 12): one listing of the lesson's program with one
// highlight per column, each column's at the line of that column's own current step marker
// (columns stepped together may stand at different lines), a column with no marker highlighting
// nothing and saying why; folded by default on a projector, S shows it, and showing it takes no
// room from the columns. Asserted from the window's dumped state under Xvfb.
#include "XvfbRunner.hpp"

#include <set>

using namespace forklab::guitest;

namespace {

const std::string kSource = FORKLAB_SOURCE_DIR;

// Every column's highlight is its own current marker's line, and that line of the shipped file
// holds the step call with the column's step label.
void checkColumns(const json& d, const std::string& file) {
    const json& cs = d["compare_source"];
    REQUIRE(cs.is_object());
    CHECK(cs["shown"] == true);
    CHECK(cs["drawn"] == true);
    CHECK(cs["form"] == "listing");
    CHECK(cs["file"] == std::filesystem::path(file).filename().string());
    const auto lines = fileLines(file);
    REQUIRE(cs["columns"].size() == d["panes"].size());
    std::set<std::string> colours;
    for (size_t i = 0; i < d["panes"].size(); ++i) {
        const json& pane = d["panes"][i];
        const json& col = cs["columns"][i];
        CAPTURE(i, col.dump());
        CHECK(col["title"] == pane["title"]);
        CHECK(col["marker"] == pane["cursor"]["marker"]);
        REQUIRE(pane["cursor"]["marker"].get<int>() > 0);
        // The column's own marker, as its pane's Source reports it.
        CHECK(col["marker_line"] == pane["source"]["marker_line"]);
        const int line = col["line"];
        REQUIRE(line > 0);
        CHECK(line == col["marker_line"].get<int>());
        CHECK(col["highlight"] ==
              std::filesystem::path(file).filename().string() + ":" + std::to_string(line));
        CHECK(col["why"] == "");
        REQUIRE(line <= int(lines.size()));
        const std::string& text = lines[size_t(line - 1)];
        const std::string label = stepLabel(pane);
        REQUIRE(!label.empty());
        CHECK_THAT(text, Catch::Contains("\"" + label + "\"") && Catch::Contains("tep("));
        CHECK(col["text"] == text);
        // Drawn in the listing, in a colour of its own.
        CHECK(col["drawn"] == true);
        colours.insert(col["colour"].get<std::string>());
    }
    CHECK(colours.size() == d["panes"].size());
}

} // namespace

TEST_CASE("compare mode's Source panel highlights each column's own marker line at every step of "
          "mutex-after-fork and python-test-value",
          "[gui][xvfb][compare][source]") {
    struct Case {
        const char* lesson;
        std::string file;
        int steps;
    };
    const Case cases[] = {
        {"mutex-after-fork", kSource + "/scenarios/mutex_after_fork.cpp", 3},
        {"python-test-value", kSource + "/scenarios/python/test_value.py", 3},
    };
    for (const Case& c : cases) {
        CAPTURE(c.lesson);
        int code = -1;
        const auto dumps = stepDumps(std::string("cmpsrc_") + c.lesson,
                                     {"--scenario", c.lesson, "--compare"}, c.steps, &code);
        if (std::string(c.lesson).rfind("python-", 0) == 0 && code == 2) {
            WARN("no CPython for " << c.lesson);
            continue;
        }
        REQUIRE(code == 0);
        std::set<std::vector<int>> seen; // the columns' marker counts, step by step
        bool apart = false;              // some step had two columns at different lines
        std::vector<int> before;         // the columns' lines at the step before
        for (const json& d : dumps) {
            REQUIRE(d.is_object());
            CHECK(d["mode"] == "compare");
            REQUIRE(d["panes"].size() == 3);
            std::vector<int> markers;
            for (auto& p : d["panes"]) markers.push_back(p["cursor"]["marker"]);
            CAPTURE(d["panes"][0]["cursor"]["marker"]);
            seen.insert(markers);
            checkColumns(d, c.file);
            std::set<int> lines;
            std::vector<int> now;
            for (auto& col : d["compare_source"]["columns"]) {
                lines.insert(col["line"].get<int>());
                now.push_back(col["line"]);
                // The listing scrolled to the step's news: every line that moved is on screen.
                if (before.empty() || before[now.size() - 1] != now.back())
                    CHECK(col["in_view"] == true);
            }
            before = now;
            apart |= lines.size() > 1;
        }
        // Every step of the longest column was looked at.
        size_t most = 0;
        for (auto& p : dumps.back()["panes"])
            most = std::max(most, p["cursor"]["markers"].get<size_t>());
        CHECK(seen.size() == most);
        // Under fork the parent gives up on its deadlocked child (a third step, line 45) while
        // spawn's and forkserver's children ran: their last step stays the key step's line.
        if (std::string(c.lesson) == "mutex-after-fork") CHECK(apart);
    }
}

TEST_CASE("compare mode's Source panel: a column with no marker highlights nothing and says why",
          "[gui][xvfb][compare][source]") {
    // No lessons program where forklab is told to look: no column starts, none has a step.
    const std::string env = "FORKLAB_LESSONS_BIN=/nonexistent/forklab-lessons";
    const Shown s = show("cmpsrc_failed", {"--scenario", "mutex-after-fork", "--compare"}, env, 3);
    REQUIRE(s.exitCode == 0);
    const json& cs = s.state["compare_source"];
    REQUIRE(cs.is_object());
    CHECK(cs["drawn"] == true);
    REQUIRE(cs["columns"].size() == 3);
    for (auto& col : cs["columns"]) {
        CAPTURE(col.dump());
        CHECK(col["line"] == 0);
        CHECK(col["highlight"] == "");
        CHECK(col["drawn"] == false);
        CHECK(col["marker"] == 0);
        CHECK_THAT(col["why"].get<std::string>(), Catch::Contains("could not start"));
    }
}

TEST_CASE("compare mode on a projector: Source folded until S, and showing it keeps the columns' "
          "room",
          "[gui][xvfb][compare][source][present]") {
    for (auto [size, scale] : {std::pair{"1280x720", "2"}, {"1920x1080", "3"}}) {
        CAPTURE(size, scale);
        const std::vector<std::string> args = {
            "--scenario", "mutex-after-fork", "--compare", "--present",   "--size",
            size,         "--scale",          scale,       "--goto-step", "key"};
        const Shown folded = show(std::string("cmpsrc_folded_") + size, args, "", 4, size);
        REQUIRE(folded.exitCode == 0);
        CHECK(folded.state["present"] == true);
        const json& f = folded.state["compare_source"];
        CHECK(f["shown"] == false);
        CHECK(f["drawn"] == false);
        // The columns still say their lines (their headers).
        for (auto& col : f["columns"]) CHECK(col["line"].get<int>() > 0);

        std::vector<std::string> withS = args;
        withS.insert(withS.end(), {"--actions", "1:key=S"});
        const Shown shown = show(std::string("cmpsrc_shown_") + size, withS, "", 4, size);
        REQUIRE(shown.exitCode == 0);
        const json& cs = shown.state["compare_source"];
        CHECK(cs["shown"] == true);
        CHECK(cs["drawn"] == true);
        CHECK(cs["form"] == "lines"); // each column's line alone, wrapped: a listing would show two
        for (auto& col : cs["columns"]) {
            CAPTURE(col.dump());
            CHECK(col["line"].get<int>() > 0);
            CHECK(col["drawn"] == true);
            CHECK(col["in_view"] == true);
        }
        // Each column's tree panel is as large with the Source shown as without it.
        for (size_t i = 0; i < 3; ++i) {
            const json& a = folded.state["panes"][i]["tree_panel"];
            const json& b = shown.state["panes"][i]["tree_panel"];
            CHECK(b["w"] == a["w"]);
            CHECK(b["h"] == a["h"]);
            CHECK(b["h"].get<double>() >= 0.3 * shown.state["window"]["h"].get<double>());
        }
    }
    // A roomy window shows it from the start; S folds it.
    const Shown wide = show("cmpsrc_wide", {"--scenario", "mutex-after-fork", "--compare",
                                            "--goto-step", "key", "--actions", "1:key=S"});
    REQUIRE(wide.exitCode == 0);
    CHECK(wide.state["compare_source"]["shown"] == false);
    CHECK(wide.state["compare_source"]["drawn"] == false);
}
