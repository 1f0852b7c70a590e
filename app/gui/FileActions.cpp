#include "app/gui/FileActions.hpp"

#include "app/gui/LessonSource.hpp"
#include "app/gui/Model.hpp"
#include "core/trace/ChromeExport.hpp"
#include "core/trace/DotExport.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceReader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace forklab::gui {
namespace {

std::string baseName(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string fileSafe(const std::string& s) {
    std::string out;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        out += ok ? c : '_';
    }
    while (!out.empty() && out.front() == '.') out.erase(0, 1); // no hidden files
    return out;
}

// The cursor on a lesson step exactly (not on an event after it)?
bool onMarker(const Session& s) {
    const auto e = s.currentEvent();
    return e && s.trace()[*e].get<ev::Marker>();
}

// "lesson step 2 of 3: ★ the child locks log_lock", as `forklab export --format dot --step`
// titles it.
std::string dotTitle(Session& s) {
    const Trace& trace = s.trace();
    const auto e = s.currentEvent();
    if (!e)
        return s.index().steps().empty() ? "the end of the trace (it has no steps)"
                                         : "before the first step";
    std::string what;
    if (auto* m = trace[*e].get<ev::Marker>())
        what = std::string(m->key ? "\u2605 " : "") + std::string(trace.str(m->label));
    else
        what = describeEvent(trace, s.world(), *e);
    return stepText(s) + ": " + what;
}

} // namespace

bool parseExportFormat(const std::string& name, ExportFormat* out) {
    for (int f = 0; f < 3; ++f)
        if (name == kExportFormatNames[f]) {
            *out = ExportFormat(f);
            return true;
        }
    return false;
}

std::string fileStem(const Trace& trace) {
    const auto* start = trace.runStart();
    const auto argv =
        start ? splitCommand(std::string(trace.str(start->command))) : std::vector<std::string>();
    if (argv.empty()) return "forklab";
    std::string stem = fileSafe(baseName(argv[0]));
    const std::string& lessons = lessonProgramName();
    const bool lesson = argv.size() > 1 && (baseName(argv[0]) == "forklab-lessons" ||
                                            (!lessons.empty() && baseName(argv[0]) == lessons));
    if (lesson) {
        stem = fileSafe(argv[1]);
        for (size_t a = 2; a + 1 < argv.size(); ++a)
            if (argv[a] == "--method" || argv[a] == "--variant") stem += "-" + fileSafe(argv[++a]);
    }
    return stem.empty() ? "forklab" : stem;
}

std::string stepTag(const Session& s) {
    const TraceIndex& index = s.index();
    const size_t step = s.currentStep();
    if (step == 0) return "start";
    if (index.markers().empty()) return "step" + std::to_string(step);
    const std::string marker = "step" + std::to_string(index.markersBefore(s.cursor()));
    return onMarker(s) ? marker : marker + "-event" + std::to_string(step);
}

std::string stepText(const Session& s) {
    const TraceIndex& index = s.index();
    const std::string event =
        std::to_string(s.currentStep()) + " of " + std::to_string(index.steps().size());
    if (index.markers().empty()) return "step " + event;
    const std::string marker = "lesson step " + std::to_string(index.markersBefore(s.cursor())) +
                               " of " + std::to_string(index.markers().size());
    return onMarker(s) ? marker : marker + ", event " + event;
}

std::string exportFileName(const std::string& stem, ExportFormat f, const std::string& tag) {
    switch (f) {
    case ExportFormat::Jsonl:
        return stem + ".forklab.jsonl";
    case ExportFormat::Chrome:
        return stem + ".chrome.json";
    case ExportFormat::Dot:
        return stem + "-" + tag + ".dot";
    }
    return stem;
}

std::string pngFileName(const std::string& stem, const std::string& tag) {
    return stem + "-" + tag + ".png";
}

std::string inWorkingDirectory(const std::string& name) {
    std::error_code ec;
    const auto cwd = std::filesystem::current_path(ec);
    if (ec) return name;
    return (cwd / name).string();
}

std::string absolutePath(const std::string& path) {
    if (path.empty()) return path;
    std::error_code ec;
    const auto abs = std::filesystem::absolute(path, ec);
    return ec ? path : abs.lexically_normal().string();
}

FileResult exportSession(Session& s, ExportFormat format, const std::string& path) {
    if (s.live()) return {false, "The run is still recording: export it once it has finished.", {}};
    if (path.empty()) return {false, "Type where to write the file.", {}};
    const std::string abs = absolutePath(path);
    std::error_code ec;
    if (std::filesystem::is_directory(abs, ec))
        return {false, abs + " is a directory: add a file name.", {}};
    const std::filesystem::path parent = std::filesystem::path(abs).parent_path();
    if (!parent.empty()) {
        std::filesystem::create_directories(parent, ec);
        if (ec) return {false, "Cannot create " + parent.string() + ": " + ec.message(), {}};
    }
    std::ofstream out(abs, std::ios::binary | std::ios::trunc);
    if (!out) return {false, "Cannot write " + abs + ": " + std::strerror(errno), {}};
    const Trace& trace = s.trace();
    std::string what;
    try {
        switch (format) {
        case ExportFormat::Jsonl:
            writeJsonl(trace, out);
            what = std::to_string(trace.size()) + " events; Open\u2026 replays it";
            break;
        case ExportFormat::Chrome:
            writeChromeJson(trace, out);
            what = "Chrome JSON: open it at ui.perfetto.dev";
            break;
        case ExportFormat::Dot: {
            const std::string title = dotTitle(s);
            writeDot(trace, s.world().world, title, out);
            what =
                "the tree at " + title.substr(0, title.find(':')) + "; dot -Tsvg makes a picture";
            break;
        }
        }
        out.flush();
    } catch (const std::exception& e) {
        return {false, "Cannot write " + abs + ": " + e.what(), {}};
    }
    if (!out) return {false, "Cannot write " + abs + " (disk full?)", {}};
    return {true, "Wrote " + abs + " (" + what + ")", abs};
}

std::unique_ptr<Trace> loadTrace(const std::string& path, std::string* error) {
    if (path.empty()) {
        *error = "Type the path of a recorded .forklab.jsonl file.";
        return nullptr;
    }
    auto trace = std::make_unique<Trace>();
    if (auto err = readJsonlFile(path, *trace)) {
        // The reader names the line and the problem; the user also needs to hear which file.
        *error = err->find(path) != std::string::npos ? *err : path + ": " + *err;
        return nullptr;
    }
    return trace;
}

} // namespace forklab::gui
