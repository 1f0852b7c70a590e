// The window's file actions without a display: Export… writes files that are what they say,
// Open… names a malformed file's problem, and file names say where the cursor is.
#include "Recorded.hpp"
#include "app/gui/FileActions.hpp"
#include "app/gui/Model.hpp"
#include "app/gui/Session.hpp"
#include "core/trace/SyntheticTrace.hpp"
#include "core/trace/TraceReader.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

using namespace forklab;
using namespace forklab::gui;
using namespace forklab::test;

namespace {

std::string scratchDir(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("forklab-gui-" + name + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("Export… writes files that are what they say: JSONL re-imports, Chrome JSON parses, "
          "DOT draws the tree at the cursor",
          "[gui][files]") {
    auto recorded = record({fixture("mutex_fork")});
    const size_t events = recorded->size();
    auto s = Session::replay(std::move(recorded), "mutex_fork");
    s->update(SIZE_MAX);
    s->gotoStep(2);
    const std::string dir = scratchDir("export");
    CHECK(fileStem(s->trace()) == "mutex_fork");

    const std::string jsonl =
        dir + "/" + exportFileName("mutex_fork", ExportFormat::Jsonl, stepTag(*s));
    CHECK(jsonl.ends_with("/mutex_fork.forklab.jsonl"));
    FileResult r = exportSession(*s, ExportFormat::Jsonl, jsonl);
    CHECK(r.ok);
    CHECK(r.path == jsonl);
    CHECK(r.text.find(jsonl) != std::string::npos);
    std::string error;
    auto back = loadTrace(jsonl, &error);
    REQUIRE(back);
    CHECK(error.empty());
    CHECK(back->size() == events);
    CHECK(back->finished());

    const std::string chrome =
        dir + "/nested/dir/" + exportFileName("m", ExportFormat::Chrome, "x");
    r = exportSession(*s, ExportFormat::Chrome, chrome); // creates the directories
    CHECK(r.ok);
    const auto json = nlohmann::json::parse(slurp(chrome), nullptr, false);
    REQUIRE_FALSE(json.is_discarded());
    REQUIRE(json.contains("traceEvents"));
    CHECK(json["traceEvents"].size() > 10);

    const std::string dot = dir + "/" + exportFileName("m", ExportFormat::Dot, stepTag(*s));
    CHECK(dot.ends_with("/m-step2.dot"));
    r = exportSession(*s, ExportFormat::Dot, dot);
    CHECK(r.ok);
    const std::string text = slurp(dot);
    CHECK(text.rfind("digraph forklab {", 0) == 0);
    CHECK(text.find("step 2 of " + std::to_string(s->index().steps().size())) != std::string::npos);
    // The tree at step 2 (the fork): both processes, one edge.
    const CursorWorld& w = s->world();
    for (auto& [pid, p] : w.world.procs)
        CHECK(text.find("p" + std::to_string(pid) + " ") != std::string::npos);

    // What cannot be written is said, not thrown.
    r = exportSession(*s, ExportFormat::Jsonl, dir);
    CHECK_FALSE(r.ok);
    CHECK(r.text.find("is a directory") != std::string::npos);
    r = exportSession(*s, ExportFormat::Jsonl, "");
    CHECK_FALSE(r.ok);
    std::filesystem::remove_all(dir);
}

TEST_CASE("Export… refuses while the run is still recording", "[gui][files]") {
    SandboxOptions o;
    o.argv = {fixture("futex_forever")};
    o.graceMs = 100;
    auto s = Session::launch(std::move(o), "futex_forever");
    REQUIRE(s->error().empty());
    const std::string dir = scratchDir("live");
    const FileResult r = exportSession(*s, ExportFormat::Jsonl, dir + "/x.forklab.jsonl");
    REQUIRE(s->live()); // it waits forever until stopped
    {
        CHECK_FALSE(r.ok);
        CHECK(r.text.find("still recording") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(dir + "/x.forklab.jsonl"));
    }
    s->stop();
    s->wait();
    std::filesystem::remove_all(dir);
}

TEST_CASE("Open… of a malformed file names the file, the line and the problem", "[gui][files]") {
    const std::string dir = scratchDir("open");
    const std::string bad = dir + "/bad.forklab.jsonl";
    {
        std::ofstream out(bad);
        out << "{\"format\":\"forklab-trace\",\"kind\":\"header\",\"t\":0,\"version\":1}\n"
            << "this is not json\n";
    }
    std::string error;
    CHECK_FALSE(loadTrace(bad, &error));
    CHECK(error.find(bad) != std::string::npos);
    CHECK(error.find("line 2") != std::string::npos);
    error.clear();
    CHECK_FALSE(loadTrace(dir + "/missing.forklab.jsonl", &error));
    CHECK(error.find("missing.forklab.jsonl") != std::string::npos);
    error.clear();
    CHECK_FALSE(loadTrace(dir, &error));
    CHECK(error.find("directory") != std::string::npos);
    error.clear();
    CHECK_FALSE(loadTrace("", &error));
    CHECK_FALSE(error.empty());
    std::filesystem::remove_all(dir);
}

TEST_CASE("suggested file names come from the trace's command line", "[gui][files]") {
    CHECK(exportFileName("a-b", ExportFormat::Jsonl, "step3") == "a-b.forklab.jsonl");
    CHECK(exportFileName("a-b", ExportFormat::Chrome, "step3") == "a-b.chrome.json");
    CHECK(exportFileName("a-b", ExportFormat::Dot, "step3") == "a-b-step3.dot");
    CHECK(pngFileName("a-b", "step2-event7") == "a-b-step2-event7.png");
    Trace empty;
    CHECK(fileStem(empty) == "forklab");
    ExportFormat f{};
    CHECK(parseExportFormat("dot", &f));
    CHECK(f == ExportFormat::Dot);
    CHECK_FALSE(parseExportFormat("png", &f));
    CHECK(absolutePath("/a/./b/../c") == "/a/c");
}

TEST_CASE("file names and DOT titles say where the cursor is as the slider does", "[gui][files]") {
    auto trace = std::make_unique<Trace>();
    makeSyntheticTrace(*trace, SyntheticTraceSpec{20, 2000, 4}); // has lesson-style markers
    auto s = Session::replay(std::move(trace), "synthetic");
    s->update(SIZE_MAX);
    const auto& markers = s->index().markers();
    REQUIRE(markers.size() >= 2);
    // On a marker: the lesson step alone.
    s->setCursor(s->stepEnd(markers[1]));
    CHECK(stepTag(*s) == "step2");
    CHECK(stepText(*s) == "lesson step 2 of " + std::to_string(markers.size()));
    // An event step after a marker: which lesson step it follows, and which event step it is.
    bool checked = false;
    for (size_t k = 0; k < markers.size() && !checked; ++k) {
        s->setCursor(s->stepEnd(markers[k]));
        s->stepForward();
        const auto e = s->currentEvent();
        if (!e || s->trace()[*e].get<ev::Marker>()) continue;
        const std::string lesson = std::to_string(s->index().markersBefore(s->cursor()));
        const std::string event = std::to_string(s->currentStep());
        CHECK(stepTag(*s) == "step" + lesson + "-event" + event);
        CHECK(stepText(*s) == "lesson step " + lesson + " of " + std::to_string(markers.size()) +
                                  ", event " + event + " of " +
                                  std::to_string(s->index().steps().size()));
        checked = true;
    }
    CHECK(checked);
    s->setCursor(0);
    CHECK(stepTag(*s) == "start");
}
