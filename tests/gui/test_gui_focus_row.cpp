// The row a step points at (a lesson's "## focus" ROW) in the real window under a virtual X
// server: held back while the question is open, a malformed focus line reported and ignored,
// and the highlighted row on screen at the projector sizes and in every palette. (Every lesson ×
// method × step with a declared row is checked by the focus test in test_gui_source.cpp.)
#include "FocusRows.hpp"
#include "XvfbRunner.hpp"

using namespace forklab::guitest;

namespace {

const std::string kSource = FORKLAB_SOURCE_DIR;

// A copy of assets/ with one lesson's focus line replaced (FORKLAB_ASSETS points forklab at it).
std::string assetsWith(const std::string& name, const std::string& lesson, const std::string& line,
                       const std::string& replacement) {
    const std::string dir = kOut + "/assets_" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::filesystem::copy(kSource + "/assets", dir, std::filesystem::copy_options::recursive);
    const std::string file = dir + "/lessons/" + lesson + ".md";
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    in.close();
    const size_t at = text.find(line + "\n");
    REQUIRE(at != std::string::npos);
    text.replace(at, line.size(), replacement);
    std::ofstream(file) << text;
    return dir;
}

} // namespace

TEST_CASE("a row that would tell the answer is pointed at only after the reveal",
          "[gui][xvfb][focus][spoilers]") {
    // fd-inheritance asks which fds the child will hold at its first step: a row there naming
    // the CLOEXEC file would point at the answer's subject before the class has answered.
    const std::string assets =
        assetsWith("held", "fd-inheritance", "- the parent opened four things | parent | fds",
                   "- the parent opened four things | parent | fds | fd /etc/hostname");
    const Shown s = show("focus_row_held",
                         {"--scenario", "fd-inheritance", "--method", "spawn", "--goto-step", "1"},
                         "FORKLAB_ASSETS=" + quote(assets));
    REQUIRE(s.exitCode == 0);
    const json& p = s.state["panes"][0];
    CHECK(s.state["lesson_problems"].empty());
    CHECK(p["spoilers"]["pending"] == true);
    const json& f = p["focus"];
    CAPTURE(f.dump());
    CHECK(f["row"] == "fd /etc/hostname");
    CHECK(f["row_held"] == true);
    CHECK(f["row_found"] == false);
    CHECK(f["row_items"].empty());
    // The parent holds it (the row exists): it is the spoiler rule, not a miss, that holds it.
    bool parentHasIt = false;
    for (auto& r : p["fds"]["rows"]) parentHasIt |= r["target"] == "/etc/hostname";
    CHECK(parentHasIt);

    // Once answered (the next step), the declared rows point again.
    const Shown next = show("focus_row_held_next",
                            {"--scenario", "fd-inheritance", "--method", "spawn", "--goto-step",
                             "1", "--actions", "1:next"},
                            "FORKLAB_ASSETS=" + quote(assets), 4);
    REQUIRE(next.exitCode == 0);
    const json& q = next.state["panes"][0];
    CHECK(q["spoilers"]["pending"] == false);
    CHECK(q["focus"]["row"] == "fd closed-by-exec");
    CHECK(q["focus"]["row_found"] == true);
    std::filesystem::remove_all(assets);
}

TEST_CASE("a malformed focus line is reported by the window and ignored; the other steps keep "
          "their focus",
          "[gui][xvfb][focus]") {
    const std::string assets =
        assetsWith("bad", "global-state",
                   "- the parent has joined its child | child | output | output Test.value",
                   "- the parent has joined its child | child | output | fd 3");
    const Shown s = show("focus_row_bad",
                         {"--scenario", "global-state", "--method", "fork", "--goto-step", "2"},
                         "FORKLAB_ASSETS=" + quote(assets));
    REQUIRE(s.exitCode == 0);
    const json& problems = s.state["lesson_problems"];
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0].get<std::string>(), Catch::Contains("the parent has joined its child") &&
                                                   Catch::Contains("fds tab, not output") &&
                                                   Catch::Contains("ignored"));
    CHECK(s.state["panes"][0]["focus"]["process"] == "child"); // step 2's line is intact
    std::filesystem::remove_all(assets);
}

TEST_CASE("the step's row is highlighted on screen at the projector sizes and in every palette",
          "[gui][xvfb][focus][screenshots]") {
    struct Look {
        const char* name;
        std::vector<std::string> args;
        const char* screen;
    };
    const std::vector<std::string> fdStep = {"--scenario", "fd-inheritance", "--method",
                                             "spawn",      "--goto-step",    "2"};
    const std::vector<std::string> outStep = {"--scenario", "global-state", "--method",
                                              "fork",       "--goto-step",  "3"};
    const std::vector<std::string> semStep = {"--scenario", "semaphore-tracker", "--method",
                                              "spawn",      "--goto-step",       "4"};
    auto with = [](std::vector<std::string> a, std::vector<std::string> more) {
        a.insert(a.end(), more.begin(), more.end());
        return a;
    };
    const Look looks[] = {
        {"fd_1600", fdStep, "1600x900"},
        {"fd_1280_x2", with(fdStep, {"--size", "1280x720", "--scale", "2", "--present"}),
         "1280x720"},
        {"fd_1920_x3", with(fdStep, {"--size", "1920x1080", "--scale", "3", "--present"}),
         "1920x1080"},
        {"output_1600", outStep, "1600x900"},
        {"output_1280_x2", with(outStep, {"--size", "1280x720", "--scale", "2", "--present"}),
         "1280x720"},
        {"output_1920_x3", with(outStep, {"--size", "1920x1080", "--scale", "3", "--present"}),
         "1920x1080"},
        {"sem_high_contrast", with(semStep, {"--theme", "high-contrast"}), "1600x900"},
        {"fd_light_okabe", with(fdStep, {"--theme", "light", "--palette", "okabe-ito"}),
         "1600x900"},
    };
    for (const Look& l : looks) {
        CAPTURE(l.name);
        const Shown s = show(std::string("focus_row_") + l.name, l.args, "", 3, l.screen);
        REQUIRE(s.exitCode == 0);
        CHECK(pngWritten(s.png));
        const json& f = s.state["panes"][0]["focus"];
        CAPTURE(f.dump());
        CHECK(f["row_found"] == true);
        CHECK(f["row_in_view"] == true);
        CHECK(s.state["tab"] == f["tab"]);
    }
}
