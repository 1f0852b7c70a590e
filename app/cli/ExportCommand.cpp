// `forklab export IN --format chrome|jsonl|dot` and `forklab replay FILE`: a recorded trace
// turned into other files, or told again, without running anything.
#include "Commands.hpp"
#include "StoryPrinter.hpp"

#include "core/lessons/Catalogue.hpp"
#include "core/trace/ChromeExport.hpp"
#include "core/trace/DotExport.hpp"
#include "core/trace/Story.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceReader.hpp"
#include "core/trace/World.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace forklab::cli {
namespace {

constexpr int kExitUnreadable = 1;

// The reader's message says what is wrong and where; the user also needs to hear which file.
std::optional<std::string> load(const std::string& path, Trace& trace) {
    auto err = readJsonlFile(path, trace);
    if (!err) return std::nullopt;
    if (err->find(path) != std::string::npos) return *err;
    return path + ": " + *err;
}

std::string extensionFormat(const std::string& out) {
    auto ends = [&](const char* suffix) {
        size_t n = strlen(suffix);
        return out.size() >= n && out.compare(out.size() - n, n, suffix) == 0;
    };
    if (ends(".jsonl")) return "jsonl";
    if (ends(".json")) return "chrome";
    if (ends(".dot") || ends(".gv")) return "dot";
    return "";
}

// A recorded lesson ("…/forklab-lessons LESSON --method M …") gets its narration back, and
// which method it ran under.
struct Recorded {
    Narration narration;
    std::optional<StartMethod> method;
};
std::optional<Recorded> lessonOf(const Trace& trace) {
    const auto* start = trace.runStart();
    if (!start) return std::nullopt;
    std::istringstream words{std::string(trace.str(start->command))};
    std::string program, lesson, word;
    words >> program >> lesson;
    auto slash = program.rfind('/');
    if (program.substr(slash == std::string::npos ? 0 : slash + 1) != "forklab-lessons" ||
        !findLesson(lesson))
        return std::nullopt;
    auto n = loadNarration(lesson);
    if (!n) return std::nullopt;
    Recorded out{*n, std::nullopt};
    while (words >> word)
        if (word == "--method" && words >> word) out.method = parseStartMethod(word);
    return out;
}

int replayText(const std::string& path, bool quiet) {
    Trace trace;
    if (auto err = load(path, trace)) {
        std::cerr << "forklab replay: " << *err << '\n';
        return kExitUnreadable;
    }
    std::cout << "Replaying " << path << " (recorded earlier; nothing runs)\n";
    Story story(trace);
    auto lesson = quiet ? std::nullopt : lessonOf(trace);
    const Narration* n = lesson ? &lesson->narration : nullptr;
    if (n) {
        std::cout << "━━ " << n->title << " ━━\n";
        printWrapped(std::cout, n->intro, "  ");
        std::cout << '\n';
        story.onMarker = [&](const Event& e, std::ostream& out) {
            const auto& m = e.as<ev::Marker>();
            if (m.key && !n->question.empty()) {
                out << "\n  ❓ " << n->question << '\n';
                for (auto& c : n->choices) out << "       • " << c << '\n';
                out << '\n';
            }
            auto it = n->steps.find(std::string(trace.str(m.label)));
            if (it != n->steps.end()) printWrapped(out, it->second, "             ");
        };
    }
    if (!quiet) story.feed(trace.size(), std::cout);
    story.summary(std::cout);
    if (n) {
        std::cout << "\n  Answer:\n";
        printWrapped(std::cout, n->reveal, "  ");
        if (lesson->method) {
            std::cout << "\n  Under " << toString(*lesson->method) << ":\n";
            printWrapped(std::cout, n->perMethod[int(*lesson->method)], "  ");
        }
    }
    if (!trace.finished())
        std::cout << "(the recording stops before the run's end: it was cut short)\n";
    return 0;
}

} // namespace

Run addExport(CLI::App& app) {
    struct Args {
        std::string in, format, out, step;
    };
    auto a = std::make_shared<Args>();
    CLI::App* sub = app.add_subcommand(
        "export", "Convert a recorded trace: Chrome JSON (Perfetto), the native JSONL, or the "
                  "process tree at a step as Graphviz DOT.");
    sub->footer(
        "Formats:\n"
        "  chrome  Chrome Trace Event JSON: open it at ui.perfetto.dev or chrome://tracing. One\n"
        "          track per process (parents above children), fork arrows, exec/exit/step\n"
        "          markers, verdicts, kills, /dev/shm events and counters.\n"
        "  jsonl   the native .forklab.jsonl (docs/trace-format.md), written afresh.\n"
        "  dot     the process tree at --step as Graphviz DOT: `dot -Tsvg tree.dot > tree.svg`.\n"
        "Examples:\n"
        "  forklab run mutex-after-fork --method fork --export maf.forklab.jsonl\n"
        "  forklab export maf.forklab.jsonl --format chrome -o maf.json\n"
        "  forklab export maf.forklab.jsonl --format dot --step key -o key.dot\n"
        "Exit codes: 0 written, 1 the input cannot be read (the message names the file and "
        "line) or the output cannot be written, 2 usage error.");
    sub->add_option("trace", a->in, "The recorded FILE.forklab.jsonl")->required();
    sub->add_option("-f,--format", a->format,
                    "chrome, jsonl or dot (default: from OUT's extension .json/.jsonl/.dot)")
        ->check(CLI::IsMember({"chrome", "jsonl", "dot"}));
    sub->add_option("-o,--output", a->out, "Where to write; '-' or none: standard output");
    sub->add_option("--step", a->step,
                    "dot only: the step to draw: N (from 1; markers when the trace has any, "
                    "else every step), 'key', 'first' or 'last' (default)");
    return [a]() -> int {
        std::string format = a->format.empty() ? extensionFormat(a->out) : a->format;
        if (format.empty()) {
            std::cerr << "forklab export: say which format: --format chrome|jsonl|dot\n";
            return kExitUsage;
        }
        if (!a->step.empty() && format != "dot") {
            std::cerr << "forklab export: --step chooses the tree of --format dot; the " << format
                      << " format holds the whole run\n";
            return kExitUsage;
        }
        Trace trace;
        if (auto err = load(a->in, trace)) {
            std::cerr << "forklab export: " << *err << '\n';
            return kExitUnreadable;
        }
        std::optional<DotStep> step;
        if (format == "dot") {
            std::string err;
            step = resolveDotStep(trace, a->step.empty() ? "last" : a->step, &err);
            if (!step) {
                std::cerr << "forklab export: --step " << a->step << ": " << err << '\n';
                return kExitUsage;
            }
        }
        bool toStdout = a->out.empty() || a->out == "-";
        std::ofstream file;
        if (!toStdout) {
            file.open(a->out, std::ios::binary | std::ios::trunc);
            if (!file) {
                std::cerr << "forklab export: cannot write " << a->out << ": " << strerror(errno)
                          << '\n';
                return kExitUnreadable;
            }
        }
        std::ostream& out = toStdout ? std::cout : file;
        if (format == "chrome")
            writeChromeJson(trace, out);
        else if (format == "jsonl")
            writeJsonl(trace, out);
        else
            writeDot(trace, World::at(trace, step->upto), step->title, out);
        out.flush();
        if (!out) {
            std::cerr << "forklab export: cannot write " << (toStdout ? "standard output" : a->out)
                      << '\n';
            return kExitUnreadable;
        }
        if (!toStdout) std::cerr << "forklab export: wrote " << a->out << " (" << format << ")\n";
        return 0;
    };
}

Run addReplay(CLI::App& app) {
    struct Args {
        std::string in;
        bool text = false, quiet = false;
    };
    auto a = std::make_shared<Args>();
    CLI::App* sub = app.add_subcommand(
        "replay", "Tell the story of a recorded trace again, without running anything.");
    sub->footer("Example: forklab run fd-inheritance --method spawn --export fd.forklab.jsonl\n"
                "         forklab replay --text fd.forklab.jsonl\n"
                "Exit codes: 0, or 1 if the file cannot be read (the message names the line).");
    sub->add_option("trace", a->in, "The recorded FILE.forklab.jsonl")->required();
    sub->add_flag("--text", a->text, "Tell it in the terminal (the story and the process tree)");
    sub->add_flag("-q,--quiet", a->quiet, "Print only the process tree");
    return [a]() -> int {
        if (!a->text) {
#ifdef FORKLAB_HAVE_GUI
            // The window replays with `gui --trace`; here the terminal tells the same run.
            std::cerr << "forklab replay: to step through it in the window, run `forklab gui "
                         "--trace "
                      << a->in << "`; here is the story in text (--text skips this note)\n";
#else
            std::cerr << "forklab replay: this build has no window (configured with "
                         "-DFORKLAB_GUI=OFF); here is the story in text\n";
#endif
        }
        return replayText(a->in, a->quiet);
    };
}

} // namespace forklab::cli
