// `forklab list` and `forklab run LESSON --method M`: a lesson told in the terminal, with its
// narration at each step and the predict-then-reveal question at the key step.
#include "Commands.hpp"
#include "StoryPrinter.hpp"

#include "core/lessons/Catalogue.hpp"
#include "core/lessons/PickleReading.hpp"
#include "core/lessons/Python.hpp"
#include "core/trace/PipeWrites.hpp"
#include "core/trace/TraceFile.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

namespace forklab::cli {

int runLesson(const std::string& id, const std::string& methodName, const std::string& variant,
              bool stepping, bool quiet, const std::string& exportPath, const LessonTelling& how) {
    const Lesson* lesson = findLesson(id);
    if (!lesson) {
        std::cerr << "forklab: no lesson '" << id << "' (see `forklab list`)\n";
        return kExitUsage;
    }
    auto method = parseStartMethod(methodName);
    if (!method) {
        std::cerr << "forklab: --method must be fork, spawn or forkserver (got '" << methodName
                  << "')\n";
        return kExitUsage;
    }
    if (!variant.empty() &&
        std::find(lesson->variants.begin(), lesson->variants.end(), variant) ==
            lesson->variants.end() &&
        id != "launch-latency") {
        std::cerr << "forklab: lesson '" << id << "' has no variant '" << variant << "'\n";
        return kExitUsage;
    }
    if (std::string why = lessonUnavailable(*lesson); !why.empty()) {
        std::cerr << "forklab: lesson '" << id << "' is played by CPython, and " << why << '\n';
        return kExitNotFound;
    }
    std::string err;
    auto narration = loadNarration(id, &err);
    if (!narration) std::cerr << "forklab: (no narration: " << err << ")\n";
    if (how.narrate)
        std::cout << "━━ " << lesson->title << " — under " << toString(*method)
                  << (variant.empty() ? "" : " (" + variant + ")") << " ━━\n";
    if (lesson->python()) {
        const PythonInterpreter* py = lessonPython();
        std::cout << "  CPython " << py->version << ": " << py->path;
        if (py->asked != py->path) std::cout << " (asked for " << py->asked << ")";
        std::cout << '\n';
    }
    if (narration && !quiet && how.narrate) {
        printWrapped(std::cout, narration->intro, "  ");
        std::cout << '\n';
    }
    TellOptions tell;
    tell.quiet = quiet;
    tell.stepping = stepping;
    Trace ownTrace;
    Trace& trace = how.keep ? *how.keep : ownTrace;
    auto n = how.narrate ? narration : std::nullopt;
    tell.onMarker = [&](const Event& e, std::ostream& out) {
        if (!n) return;
        const auto& m = e.as<ev::Marker>();
        std::string label(trace.str(m.label));
        if (m.key && !n->question.empty()) {
            out << "\n  ❓ " << n->question << '\n';
            for (auto& c : n->choices) out << "       • " << c << '\n';
            out << '\n';
        }
        auto it = n->steps.find(label);
        if (it != n->steps.end()) printWrapped(out, it->second, "             ");
    };
    int code;
    try {
        code = tellRun(lessonRun(*lesson, *method, variant), trace, std::cout, tell);
    } catch (const LaunchError& e) {
        std::cerr << "forklab: " << e.what()
                  << (lesson->python() ? "" : " (the lessons program belongs beside forklab)")
                  << '\n';
        return e.exitCode();
    }
    if (!quiet)
        for (const PipeData& d : pipeWrites(trace)) {
            // The bytes are in the story; this is a reading of them, after the run.
            const PickleReading r = readPickles(execedExe(trace, d.pid), d.bytes);
            std::cout << "\n  The " << d.length << " bytes " << d.pid << " wrote into fd " << d.fd
                      << " (" << d.target << ")" << (r.ok ? ", read by " + r.tool + ":" : ":")
                      << '\n';
            std::istringstream lines(r.text);
            for (std::string l; std::getline(lines, l);) std::cout << "    " << l << '\n';
        }
    if (n && !quiet) {
        std::cout << "\n  Answer: ";
        printWrapped(std::cout, n->reveal, "  ");
        std::cout << "\n  Under " << toString(*method) << ": ";
        printWrapped(std::cout, n->perMethod[int(*method)], "  ");
    }
    if (!exportPath.empty()) {
        if (!writeJsonlFile(trace, exportPath, &err)) {
            std::cerr << "forklab: " << err << " (the lesson's exit code was " << code << ")\n";
            return kExitNotWritten;
        }
        std::cout << "trace written to " << exportPath << '\n';
    }
    return code;
}

void addPythonOption(CLI::App* sub, std::vector<std::string>& python) {
    sub->add_option("--python", python,
                    "CPython for the python-* lessons (a path or a name on PATH; default "
                    "python3); repeated, more interpreters for --pythons and --python-all");
}

Run addList(CLI::App& app) {
    auto python = std::make_shared<std::vector<std::string>>();
    auto pythons = std::make_shared<bool>(false);
    CLI::App* sub = app.add_subcommand("list", "List the lessons (id, title, what it shows).");
    addPythonOption(sub, *python);
    sub->add_flag("--pythons", *pythons,
                  "List the CPython interpreters found here (PATH, python3.X, pyenv, --python)");
    return [python, pythons] {
        if (*pythons) return listPythons(*python);
        choosePython(python->empty() ? "" : python->front());
        int w = 0; // the id column: as wide as the longest id
        for (auto& l : lessons()) w = std::max(w, int(l.id.size()));
        for (auto& l : lessons()) {
            printf("%-*s %s\n%-*s %s", w, l.id.c_str(), l.title.c_str(), w, "", l.summary.c_str());
            if (!l.variants.empty()) {
                printf(" (variants:");
                for (auto& v : l.variants) printf(" %s", v.c_str());
                printf(")");
            }
            if (l.python()) {
                std::string why = lessonUnavailable(l);
                printf("\n%-*s %s%s", w, "", "C++ re-enactment: ", l.twin.c_str());
                if (!why.empty()) printf("\n%-*s skipped here: %s", w, "", why.c_str());
            }
            printf("\n");
        }
        if (const PythonInterpreter* py = lessonPython())
            printf("\npython-* lessons run CPython %s: %s\n", py->version.c_str(),
                   py->path.c_str());
        printf("\nRun one: forklab run LESSON --method fork|spawn|forkserver [--step]\n");
        return 0;
    };
}

Run addRun(CLI::App& app) {
    struct Args {
        std::string id, method = "fork", variant, exportPath;
        std::vector<std::string> python;
        bool step = false, quiet = false, pythonAll = false;
    };
    auto a = std::make_shared<Args>();
    CLI::App* sub = app.add_subcommand("run", "Run a lesson in the sandbox and tell its story.");
    sub->add_option("lesson", a->id, "Lesson id (see `forklab list`)")->required();
    sub->add_option("-m,--method", a->method, "Start method: fork, spawn or forkserver")
        ->capture_default_str();
    sub->add_option("--variant", a->variant, "A variant of the lesson (see `forklab list`)");
    sub->add_flag("--step", a->step, "Stop at every step; Enter goes on (live stepping)");
    sub->add_option("--export", a->exportPath, "Write the trace to FILE (.forklab.jsonl)");
    sub->add_flag("-q,--quiet", a->quiet, "Print only the summary");
    addPythonOption(sub, a->python);
    sub->add_flag("--python-all", a->pythonAll,
                  "A python-* lesson under every CPython found (see `list --pythons`): one story "
                  "per version, then a table of the facts that differ");
    return [a] {
        if (a->pythonAll) {
            if (a->step || !a->exportPath.empty()) {
                std::cerr << "forklab: --python-all takes neither --step nor --export\n";
                return kExitUsage;
            }
            return runPythonAll(a->id, a->method, a->variant, a->quiet, a->python);
        }
        choosePython(a->python.empty() ? "" : a->python.front());
        return runLesson(a->id, a->method, a->variant, a->step, a->quiet, a->exportPath);
    };
}

} // namespace forklab::cli
