// `forklab bench frame`: how long one frame of the window takes over a synthetic trace of
// 1,000 processes and 1,000,000 events, at several cursors and timeline zooms. "cpu" is the
// ImGui frame build (NewFrame, every view, Render) in thread CPU time; "frame" adds the OpenGL
// draw, glFinish and the swap under whatever renderer the display has (llvmpipe under Xvfb).
#include "app/gui/App.hpp"
#include "app/gui/Gui.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/Window.hpp"

#include "core/base/Clock.hpp"
#include "core/trace/SyntheticTrace.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace forklab {

using namespace gui;

namespace {

double threadCpuMs() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double wallMs() {
    return double(monotonicNs()) / 1e6;
}

struct Stats {
    double median = 0, p90 = 0, max = 0;
};

Stats stats(std::vector<double> v) {
    Stats s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.median = v[v.size() / 2];
    s.p90 = v[std::min(v.size() - 1, v.size() * 9 / 10)];
    s.max = v.back();
    return s;
}

// One ImGui context without any window: frames are built, never drawn.
struct Headless {
    Headless(float scale, App& app) {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(1600, 900);
        io.DeltaTime = 1.0f / 60.0f;
        // As the OpenGL backend does: draw lists may pass 64k vertices (never drawn here).
        io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
        app.fonts = loadFonts(scale);
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    }
    ~Headless() { ImGui::DestroyContext(); }
};

// A shell forking `n` children that each exec /bin/true and exit 0, 1 ms apart: the tree that
// grouping and the compact view are for.
std::unique_ptr<Trace> siblingTrace(int n) {
    auto t = std::make_unique<Trace>();
    int64_t at = 0;
    auto add = [&](pid_t pid, EventKind kind, Payload data) {
        t->append(Event{at, pid, kind, std::move(data)});
        at += 1000;
    };
    constexpr pid_t kShell = 100;
    add(0, EventKind::RunStart, ev::RunStart{t->intern("sh -c 'for ...'"), 0, n + 10, 0, 1000});
    add(kShell, EventKind::Proc, ev::Proc{1, 0, Role::Program, ForkKind::Fork, t->intern("sh")});
    const StrId path = t->intern("/bin/true"), name = t->intern("true");
    for (int k = 0; k < n; ++k) {
        const pid_t c = kShell + 1 + k;
        add(kShell, EventKind::Fork, ev::Fork{c, ForkKind::Vfork});
        add(c, EventKind::Proc, ev::Proc{c, kShell, Role::Program, ForkKind::Vfork, name});
        add(c, EventKind::Exec, ev::Exec{path, path, path, kNoSnap, kNoSnap, Role::Program});
        at += 997000;
        add(c, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)});
    }
    add(kShell, EventKind::Exit, ev::Exit{WaitStatus::forExit(0)});
    add(0, EventKind::RunEnd, ev::RunEnd{EndReason::AllExited, WaitStatus::forExit(0), 0});
    return t;
}

} // namespace

int benchFrame(const FrameBenchOptions& o) {
    double t = wallMs();
    auto trace = std::make_unique<Trace>();
    makeSyntheticTrace(*trace, SyntheticTraceSpec{o.processes, o.events, 1});
    const double buildMs = wallMs() - t;
    const size_t events = trace->size();

    std::unique_ptr<Window> window;
    if (o.gl) {
        window = std::make_unique<Window>();
        if (!window->open(1600, 900, false, false)) {
            std::fprintf(stderr, "forklab bench frame: no display, measuring the CPU side only\n");
            window.reset();
        }
    }
    App app;
    app.testMode = true;
    app.programSource = true;
    app.settings.scale = o.scale;
    std::unique_ptr<Headless> headless;
    if (window)
        app.fonts = window->loadFonts(o.scale);
    else
        headless = std::make_unique<Headless>(o.scale, app);
    applyTheme(app.settings.theme, app.settings.colourBlindSafe, o.scale);

    Pane pane;
    pane.session = Session::replay(std::move(trace), "synthetic trace");
    t = wallMs();
    pane.session->update(SIZE_MAX);
    const double indexMs = wallMs() - t;
    app.panes.push_back(std::move(pane));
    Pane& p = app.panes.front();
    Session& s = *p.session;
    const auto& steps = s.index().steps();

    std::printf("forklab bench frame: synthetic trace of %d processes, %zu events, %zu steps\n",
                o.processes, events, steps.size());
    std::printf("  built in %.0f ms; indexed (steps, tracks, world checkpoints) in %.0f ms\n",
                buildMs, indexMs);
    std::printf("  %s\n", window ? window->glInfo().c_str() : "no renderer: CPU side only");
    std::printf("  %d measured frames per row (after 5 warm-up frames), 1600x900, scale %g\n\n",
                o.frames, double(o.scale));
    std::printf("%-8s %-16s %27s   %27s  %s\n", "cursor", "timeline zoom",
                "cpu ms: median / p90 / max", window ? "frame ms: median / p90 / max" : "",
                "vertices");

    size_t vertices = 0;
    auto frame = [&](std::vector<double>* cpu, std::vector<double>* whole,
                     const std::string& shot = {}) {
        const double c0 = threadCpuMs(), w0 = wallMs();
        if (window) {
            window->newFrame();
        } else {
            ImGui::NewFrame();
        }
        drawApp(app);
        ImGui::Render();
        const double c1 = threadCpuMs();
        vertices = size_t(ImGui::GetDrawData()->TotalVtxCount);
        if (window) {
            window->renderGL();
            window->finish();
            if (!shot.empty()) window->screenshot(shot);
            window->swap();
        }
        const double w1 = wallMs();
        if (cpu) cpu->push_back(c1 - c0);
        if (whole) whole->push_back(w1 - w0);
    };

    nlohmann::json rows = nlohmann::json::array();
    const double end = double(s.index().endTime());
    struct Cursor {
        const char* name;
        size_t step; // 0 = follow the end
    } cursors[] = {{"first", 1}, {"middle", steps.size() / 2}, {"last", 0}};
    struct Zoom {
        const char* name;
        double fraction; // of the whole run, centred on the cursor
    } zooms[] = {{"whole run", 1.0}, {"1/100 of run", 0.01}, {"1/10000", 0.0001}};
    double worst = 0;
    for (auto& c : cursors) {
        if (c.step)
            s.gotoStep(c.step);
        else
            s.follow();
        const double at = s.cursor() ? double(s.trace()[s.cursor() - 1].t) : 0.0;
        for (auto& z : zooms) {
            TimelineState& tl = p.timeline;
            tl.fit = z.fraction >= 1.0;
            tl.t0 = std::max(0.0, at - end * z.fraction * 0.5);
            tl.t1 = tl.t0 + end * z.fraction;
            std::vector<double> cpu, whole;
            for (int i = 0; i < 5; ++i) frame(nullptr, nullptr);
            for (int i = 0; i < o.frames; ++i) frame(&cpu, &whole);
            if (!o.shots.empty()) {
                std::string name = o.shots + "-" + c.name + "-" + z.name + ".png";
                std::replace(name.begin(), name.end(), ' ', '_');
                std::replace(name.begin() + long(o.shots.size()), name.end(), '/', '_');
                frame(nullptr, nullptr, name);
            }
            const Stats sc = stats(cpu), sw = stats(whole);
            worst = std::max(worst, sc.median);
            if (window)
                std::printf("%-8s %-16s %9.2f / %5.2f / %6.2f   %9.2f / %5.2f / %6.2f  %7zu\n",
                            c.name, z.name, sc.median, sc.p90, sc.max, sw.median, sw.p90, sw.max,
                            vertices);
            else
                std::printf("%-8s %-16s %9.2f / %5.2f / %6.2f   %7zu\n", c.name, z.name, sc.median,
                            sc.p90, sc.max, vertices);
            rows.push_back(
                {{"cursor", c.name},
                 {"zoom", z.name},
                 {"vertices", vertices},
                 {"cpu_ms", {{"median", sc.median}, {"p90", sc.p90}, {"max", sc.max}}},
                 {"frame_ms",
                  window ? nlohmann::json{{"median", sw.median}, {"p90", sw.p90}, {"max", sw.max}}
                         : nlohmann::json(nullptr)}});
        }
    }
    // A jump to a random step: the one frame that has to rebuild the world from a checkpoint.
    std::mt19937 rng(7);
    std::vector<double> jumps;
    p.timeline.fit = true;
    for (int i = 0; i < 50 && !steps.empty(); ++i) {
        s.gotoStep(1 + rng() % steps.size());
        frame(&jumps, nullptr);
    }
    const Stats sj = stats(jumps);
    std::printf("%-8s %-16s %9.2f / %5.2f / %6.2f\n", "jump", "(random step)", sj.median, sj.p90,
                sj.max);

    // The 2,000-sibling tree: one group row, then the group opened (2,000 rows, only the
    // visible ones drawn), as boxes and as the compact list.
    constexpr int kSiblings = 2000;
    app.panes.clear();
    {
        Pane sib;
        sib.session = Session::replay(siblingTrace(kSiblings), "2,000 siblings");
        sib.session->update(SIZE_MAX);
        app.panes.push_back(std::move(sib));
    }
    Pane& sp = app.panes.front();
    sp.timeline.fit = true;
    std::printf("\n2,000 siblings (sh forking /bin/true), cursor at the end, whole run:\n");
    nlohmann::json sibRows = nlohmann::json::array();
    for (const bool compact : {false, true}) {
        for (const bool opened : {false, true}) {
            app.compactTree = compact;
            sp.openGroups.clear();
            if (opened) sp.openGroups.insert(101); // the group's first pid (siblingTrace)
            std::vector<double> cpu, whole;
            for (int i = 0; i < 5; ++i) frame(nullptr, nullptr);
            for (int i = 0; i < o.frames; ++i) frame(&cpu, &whole);
            const std::string name =
                std::string(compact ? "compact" : "boxes") + (opened ? ", opened" : ", grouped");
            if (!o.shots.empty()) {
                std::string shot = o.shots + "-siblings-" + name + ".png";
                std::replace(shot.begin() + long(o.shots.size()), shot.end(), ' ', '_');
                std::replace(shot.begin() + long(o.shots.size()), shot.end(), ',', '_');
                frame(nullptr, nullptr, shot);
            }
            const Stats sc = stats(cpu), sw = stats(whole);
            worst = std::max(worst, sc.median);
            if (window)
                std::printf("%-8s %-16s %9.2f / %5.2f / %6.2f   %9.2f / %5.2f / %6.2f  %7zu\n",
                            "2000 sib", name.c_str(), sc.median, sc.p90, sc.max, sw.median, sw.p90,
                            sw.max, vertices);
            else
                std::printf("%-8s %-16s %9.2f / %5.2f / %6.2f   %7zu\n", "2000 sib", name.c_str(),
                            sc.median, sc.p90, sc.max, vertices);
            sibRows.push_back(
                {{"view", name},
                 {"vertices", vertices},
                 {"cpu_ms", {{"median", sc.median}, {"p90", sc.p90}, {"max", sc.max}}}});
        }
    }
    std::printf("\nworst median cpu per frame: %.2f ms (aim: <= 4 ms)\n", worst);
    if (!o.json.empty()) {
        nlohmann::json j = {
            {"processes", o.processes},
            {"events", events},
            {"steps", steps.size()},
            {"build_ms", buildMs},
            {"index_ms", indexMs},
            {"renderer", window ? window->glInfo() : ""},
            {"rows", rows},
            {"siblings", sibRows},
            {"jump_cpu_ms", {{"median", sj.median}, {"p90", sj.p90}, {"max", sj.max}}}};
        std::ofstream(o.json) << j.dump(2) << '\n';
        std::printf("wrote %s\n", o.json.c_str());
    }
    return 0;
}

} // namespace forklab
