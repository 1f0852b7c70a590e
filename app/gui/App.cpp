#include "app/gui/App.hpp"

#include "app/gui/CompareView.hpp"
#include "app/gui/Controls.hpp"
#include "app/gui/Draw.hpp"
#include "app/gui/FdView.hpp"
#include "app/gui/FileMenu.hpp"
#include "app/gui/LessonView.hpp"
#include "app/gui/OutputView.hpp"
#include "app/gui/SourceView.hpp"
#include "app/gui/StepRow.hpp"
#include "app/gui/SyncView.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/TimelineView.hpp"
#include "app/gui/TreeView.hpp"
#include "core/lessons/Pythons.hpp"

#include <algorithm>
#include <cmath>
#include <imgui.h>
#include <imgui_stdlib.h>

namespace forklab::gui {

pid_t focusPid(Pane& pane, const CursorWorld& w) {
    if (pane.userSelected && w.world.find(pane.selected)) return pane.selected;
    if (pane.stepFocus && pane.tree.indexOf(pane.stepFocus) >= 0) return pane.stepFocus;
    if (pane.revealPid && pane.tree.indexOf(pane.revealPid) >= 0) return pane.revealPid;
    // Until the user picks one, the views follow the process the current step is about.
    if (auto e = pane.session->currentEvent()) {
        const pid_t p = subjectOf(pane.session->trace()[*e]);
        if (pane.tree.indexOf(p) >= 0) return p;
    }
    if (const ProcessView* r = w.world.programRoot()) return r->pid;
    return pane.tree.nodes.empty() ? 0 : pane.tree.nodes.front().proc->pid;
}

bool findInTree(Pane& pane, const std::string& text) {
    pane.search = text;
    if (text.empty()) return false;
    const CursorWorld& w = pane.session->world();
    // A pid (as forklab or as the sandbox sees it), in the whole world at the cursor.
    for (auto& [pid, p] : w.world.procs)
        if (std::to_string(pid) == text || std::to_string(p.nspid) == text) {
            pane.selected = pid;
            pane.userSelected = true;
            return true;
        }
    for (const TreeNode& n : pane.tree.nodes)
        if (n.proc->name.find(text) != std::string::npos ||
            displayName(w, *n.proc).find(text) != std::string::npos) {
            pane.selected = n.proc->pid;
            pane.userSelected = true;
            return true;
        }
    return false;
}

bool App::anyHeld() const {
    for (auto& p : panes)
        if (p.session->held()) return true;
    return false;
}

void App::retire() {
    for (auto& p : panes) {
        p.session->stop();
        retiring.push_back(std::move(p.session));
    }
    panes.clear();
}

void App::stopAll() {
    retire();
    retiring.clear(); // each Session joins its recorder: teardown has been asked for above
}

void App::reapRetired() {
    std::erase_if(retiring, [](const std::unique_ptr<Session>& s) { return !s->live(); });
}

void App::run() {
    retire();
    message.clear();
    file.result = {};
    predictChoice = -1;
    revealed = false;
    if (lessonMode()) {
        narration = lessonNarration(lesson, &narrationError);
        // A lesson about the /dev/shm ledger opens on it.
        if (narration && std::find(narration->spoilers.begin(), narration->spoilers.end(),
                                   "ledger") != narration->spoilers.end())
            tabRequest = DetailTab::Sync;
        // One column per method, or per CPython (compare versions), or the one chosen.
        struct Column {
            int method;
            std::optional<PythonInterpreter> python;
        };
        std::vector<Column> cols;
        const Lesson* l = findLesson(lesson);
        if (compareVersions && l && l->python()) {
            const PythonSearch found = findPythons();
            for (auto& py : found.found) cols.push_back({method, py});
            if (cols.empty()) message = "compare versions: no CPython 3.8 or newer found";
        } else if (compare) {
            cols = {{0, {}}, {1, {}}, {2, {}}};
        } else {
            cols = {{method, {}}};
        }
        for (auto& c : cols) {
            std::string error;
            auto options =
                lessonOptions(lesson, c.method, variant, &error, c.python ? &*c.python : nullptr);
            if (!options) {
                message = error;
                continue;
            }
            // Live, a lesson waits at each step for Next; tests run straight through.
            options->stepping = testMode ? holdInTests : settings.holdAtSteps;
            Pane pane;
            pane.method = c.method;
            if (c.python) {
                pane.version = c.python->version;
                pane.python = c.python->path;
            }
            pane.launchedTitle = lesson + " \u00b7 " + kMethodNames[c.method] +
                                 (c.python ? " \u00b7 CPython " + c.python->version : "");
            pane.launched = std::make_shared<const SandboxOptions>(*options);
            pane.session = Session::launch(std::move(*options), pane.launchedTitle);
            panes.push_back(std::move(pane));
        }
        return;
    }
    std::vector<std::string> argv = commandArgv.empty() ? splitCommand(command) : commandArgv;
    if (argv.empty()) {
        message = "Type a program to run, e.g. python3 my_script.py";
        return;
    }
    SandboxOptions options;
    options.argv = argv;
    std::string title;
    for (auto& a : argv) title += (title.empty() ? "" : " ") + a;
    Pane pane;
    pane.session = Session::launch(std::move(options), title);
    panes.push_back(std::move(pane));
}

void App::retryPane(size_t i) {
    if (i >= panes.size() || !panes[i].launched) return;
    Pane& pane = panes[i];
    if (pane.session) {
        pane.session->stop();
        retiring.push_back(std::move(pane.session));
    }
    pane.session = Session::launch(*pane.launched, pane.launchedTitle);
    pane.attempts++;
    pane.selected = 0;
    pane.userSelected = false;
    pane.revealPid = 0;
    pane.autoTabAt = SIZE_MAX;
}

void App::chooseLesson(const std::string& id) {
    if (programSource || id != lesson) {
        retire();
        narration.reset();
        narrationError.clear();
        predictChoice = -1;
        revealed = false;
        message.clear();
    }
    programSource = false;
    lesson = id;
    settings.lesson = id;
    settings.programSource = false;
    settingsChanged = true;
}

Pane* App::exportedPane() {
    if (panes.empty()) return nullptr;
    return &panes[size_t(std::clamp(file.exportPane, 0, int(panes.size()) - 1))];
}

bool App::openTrace(const std::string& path) {
    std::string error;
    auto trace = loadTrace(path, &error);
    if (!trace) {
        file.openError = error;
        return false;
    }
    retire();
    message.clear();
    predictChoice = -1;
    revealed = false;
    file.openError.clear();
    file.exportPathEdited = false;
    const size_t events = trace->size();
    // A lesson's recording replays as the lesson (narration, question, steps); any other
    // program's fills the command field, so Run records it again.
    std::vector<std::string> argv;
    if (const auto* start = trace->runStart())
        argv = splitCommand(std::string(trace->str(start->command)));
    const auto recorded = lessonOfCommand(argv);
    narration.reset();
    narrationError.clear();
    int paneMethod = -1;
    if (recorded && lessonsAvailable()) {
        programSource = false;
        lesson = recorded->id;
        method = recorded->method;
        variant = recorded->variant;
        compare = false;
        compareVersions = false;
        narration = lessonNarration(lesson, &narrationError);
        paneMethod = method;
    } else {
        programSource = true;
        if (!argv.empty()) {
            command.clear();
            for (auto& a : argv) command += (command.empty() ? "" : " ") + a;
            commandArgv = argv;
        }
    }
    Pane pane;
    pane.method = paneMethod;
    pane.session = Session::replay(std::move(trace), path);
    pane.session->update(SIZE_MAX);
    panes.push_back(std::move(pane));
    const std::string abs = absolutePath(path);
    file.result = {true,
                   "Replaying " + abs + " (" + std::to_string(events) +
                       " events, recorded earlier: nothing runs)",
                   abs};
    return true;
}

bool App::exportShown(ExportFormat format, const std::string& path) {
    Pane* pane = exportedPane();
    file.result =
        pane ? exportSession(*pane->session, format, path)
             : FileResult{false, "Nothing to export yet: Run a lesson or Open… a trace.", {}};
    file.exportError = file.result.ok ? std::string() : file.result.text;
    if (file.result.ok && format == ExportFormat::Jsonl) file.lastExport = file.result.path;
    return file.result.ok;
}

void App::update() {
    for (auto& p : panes) p.session->update();
    reapRetired();
}

void App::next() {
    if (panes.empty()) { // nothing recorded yet: the first Space starts the run
        run();
        return;
    }
    const bool markers = lessonMode();
    for (auto& p : panes) {
        Session& s = *p.session;
        if (!s.following()) {
            const size_t before = s.cursor();
            s.stepForward(markers);
            if (s.cursor() != before) continue; // moved within what is recorded
            s.follow();                         // caught up with the recording
        }
        if (s.held()) s.release();
    }
}

void App::back() {
    const bool markers = columns(); // columns stay on the same lesson step
    for (auto& p : panes) p.session->stepBack(markers);
}

void App::forward() {
    const bool markers = columns();
    for (auto& p : panes) {
        Session& s = *p.session;
        const size_t before = s.cursor();
        s.stepForward(markers);
        // A column past its own last step shows its end (its answer too), as the others go on:
        // left at its key step it would keep its answer hidden beside revealed columns.
        if (markers && s.cursor() == before && !s.following()) s.follow();
    }
}

void App::first() {
    for (auto& p : panes) {
        const auto& m = p.session->index().markers();
        if (columns() && !m.empty())
            p.session->setCursor(p.session->stepEnd(m.front()));
        else
            p.session->gotoStep(1);
    }
}

void App::last() {
    for (auto& p : panes) p.session->follow();
}

void App::pause() {
    for (auto& p : panes) p.session->setCursor(p.session->cursor());
}

void App::gotoStep(size_t n) {
    for (size_t i = 0; i < panes.size(); ++i) {
        Session& s = *panes[i].session;
        const auto& m = s.index().markers();
        if (columns() && !m.empty() && n > m.size())
            s.follow(); // its lesson ended before step n: its end (as forward() does)
        else if (columns() && !m.empty())
            s.setCursor(s.stepEnd(m[std::clamp<size_t>(n, 1, m.size()) - 1]));
        else if (i == 0 || !(compare || compareVersions))
            s.gotoStep(n);
    }
}

// ---- the frame ------------------------------------------------------------------------------

namespace {

void panelTitle(const App& app, const char* title) {
    ImGui::PushFont(app.fonts.bold);
    ImGui::TextUnformatted(title);
    ImGui::PopFont();
}

// Before the first run: what the chosen lesson is about, and how to drive the window.
void drawWelcome(App& app) {
    // Lines of a readable length, even on a wide screen.
    ImGui::PushTextWrapPos(
        std::min(ImGui::GetContentRegionAvail().x, 60.0f * ImGui::GetFontSize()));
    ImGui::Spacing();
    ImGui::PushFont(app.fonts.heading);
    ImGui::TextUnformatted("forklab \u2014 how processes are started");
    ImGui::PopFont();
    ImGui::Spacing();
    if (app.lessonMode()) {
        if (app.preview.first != app.lesson) {
            std::string error;
            app.preview = {app.lesson, lessonNarration(app.lesson, &error)};
        }
        if (const auto& n = app.preview.second) {
            ImGui::PushFont(app.fonts.bold);
            ImGui::TextWrapped("%s", n->title.c_str());
            ImGui::PopFont();
            ImGui::TextWrapped("%s", n->intro.c_str());
            ImGui::Spacing();
        }
        ImGui::TextWrapped("Pick the start method (or compare all three) and press Run. The run "
                           "stops at each lesson step: Space or Next step goes on.");
    } else {
        ImGui::TextWrapped("Type a program above (for example a Python script that uses "
                           "multiprocessing) and press Run: forklab records its processes, file "
                           "descriptors, threads and semaphores from outside.");
    }
    ImGui::Spacing();
    ImGui::TextDisabled("Keys: Space or PgDn next step \u00b7 \u2190/\u2192 or PgUp back/forward "
                        "\u00b7 Home/End first/last \u00b7 R restart \u00b7 1/2/3 tabs \u00b7 P "
                        "presentation \u00b7 B blank \u00b7 C tree as list/boxes \u00b7 Z "
                        "timeline zoom to the step \u00b7 S source in compare mode \u00b7 "
                        "Ctrl+O open a recorded trace. "
                        "Display\u2026 sets the scale and colours for a projector.");
    if (!app.glInfo.empty()) ImGui::TextDisabled("%s", app.glInfo.c_str());
    ImGui::PopTextWrapPos();
}

void drawSingle(App& app, Pane& pane) {
    Session& s = *pane.session;
    const CursorWorld& w = s.world();
    const float em = ImGui::GetFontSize();
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    // The timeline shows the whole run (every process ever seen), the tree the cursor's world.
    relayoutTree(pane.tracks, pane.tracksMadeFrom, s.trace(), s.headWorld(), pane.collapsed,
                 app.settings.showSandbox, false, pane.openGroups);
    const TreeLayout& tracks = pane.tracks;
    // A narrow window (a big display scale) keeps the tree and the narration large and folds
    // the timeline away until asked for.
    const bool narrow = avail.x / em < 60.0f;
    const bool timeline = app.timelineOpen.value_or(!narrow);
    // The timeline takes what its tracks need (a lesson has a handful), at most 38%.
    const float titleH = ImGui::GetFrameHeightWithSpacing();
    // (thread lanes included: TimelineView measures them)
    const float tracksNeed = std::max(float(std::max<size_t>(tracks.nodes.size(), 2)) * 1.7f * em,
                                      pane.timeline.tracksHeight);
    const float timelineNeed = titleH + 1.7f * em + tracksNeed + style.WindowPadding.y * 2 + em;
    const float timelineH =
        timeline ? std::clamp(timelineNeed, 7.0f * em, avail.y * 0.38f) : titleH;
    const float topH = std::floor(avail.y - timelineH - style.ItemSpacing.y);
    const float leftW = std::floor(avail.x * (narrow ? 0.58f : 0.54f));

    // Left: the tree.
    ImGui::BeginGroup();
    const float y0 = ImGui::GetCursorPosY();
    panelTitle(app, "Processes");
    ImGui::SameLine();
    // A tree too big to scan by eye gets a search field: a pid or part of a name.
    float legendW = leftW - ImGui::CalcTextSize("Processes").x - em;
    if (pane.tree.nodes.size() > 12 || !pane.search.empty()) {
        const float searchW = std::min(10.0f * em, legendW * 0.5f);
        ImGui::SetNextItemWidth(searchW);
        std::string text = pane.search;
        if (ImGui::InputTextWithHint("##find", "find pid or name", &text)) findInTree(pane, text);
        ImGui::SameLine();
        legendW -= searchW + em;
    }
    drawTreeLegend(pane.tree, legendW);
    drawTreeView(app, pane, w, ImVec2(leftW, topH - (ImGui::GetCursorPosY() - y0)), false);
    ImGui::EndGroup();
    ImGui::SameLine();

    // Right: narration above (most of it in a lesson), the selected process's details below.
    ImGui::BeginChild("side", ImVec2(0, topH), false);
    const float sideH = ImGui::GetContentRegionAvail().y;
    // A lesson shares the side with its program (the Source panel) and the details below.
    const float lessonShare = !app.lessonMode() ? 0.42f : 0.46f;
    // Narrow (a projector), the details keep a heading and kRowViewLines (a step's row,
    // StepRow.hpp) and the Source strip its step line, without scrolling the side: the
    // narration, which scrolls in its own box, gets the rest, at least three lines.
    const float lineH = ImGui::GetTextLineHeightWithSpacing();
    const float reserved = ImGui::GetFrameHeightWithSpacing() + (kRowViewLines + 2.5f) * lineH +
                           (app.lessonMode() ? 1.5f * lineH : 0);
    const float lessonH = narrow ? std::max(3.5f * lineH + 2 * style.WindowPadding.y,
                                            std::min(sideH * lessonShare, sideH - reserved))
                                 : sideH * lessonShare;
    ImGui::BeginChild("lesson", ImVec2(0, std::floor(lessonH)), true);
    drawLessonView(app, pane);
    ImGui::EndChild();
    if (app.lessonMode()) {
        const SourceFile& src = lessonSource(app);
        // Wide: a listing around the step's line. Narrow (a projector): the step's line alone,
        // named by its file, so the narration and the details keep their room.
        if (narrow) {
            drawSourceStrip(app, pane, src.name);
        } else {
            panelTitle(app, "Source");
            ImGui::SameLine();
            ImGui::TextDisabled("%s \u00b7 the highlighted line made this step", src.name.c_str());
            const float srcH =
                std::max(3.0f * lineH + 2 * style.WindowPadding.y,
                         std::floor(sideH * 0.24f) - ImGui::GetFrameHeightWithSpacing());
            ImGui::BeginChild("source", ImVec2(0, srcH), true,
                              ImGuiWindowFlags_HorizontalScrollbar);
            drawSourceView(app, pane);
            ImGui::EndChild();
        }
    }
    SyncModel sync = syncModel(s.trace(), w, s.index().annotations());
    maskSync(sync, pane.spoilers);
    // A warning leads the tab's name, so a narrow tab bar that cuts names keeps it; at a big
    // display scale the names are short from the start.
    bool warn = !sync.deadlocks.empty();
    for (auto& r : sync.semaphores) warn |= r.leaked;
    const bool shortTabs = ImGui::GetContentRegionAvail().x / em < 34.0f;
    const std::string syncLabel = std::string(warn ? "\u26A0 " : "") +
                                  (shortTabs ? "Locks & sems" : "Mutexes & semaphores") + "###sync";
    const char* fdsLabel = shortTabs ? "Fds###fds" : "File descriptors###fds";
    auto flags = [&](DetailTab t) {
        return app.tabRequest == t ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
    };
    if (ImGui::BeginTabBar("details")) {
        if (ImGui::BeginTabItem(fdsLabel, nullptr, flags(DetailTab::Fds))) {
            app.tab = DetailTab::Fds;
            drawFdView(app, pane, w);
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem(syncLabel.c_str(), nullptr, flags(DetailTab::Sync))) {
            app.tab = DetailTab::Sync;
            drawSyncView(app, pane, w);
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem("Output###output", nullptr, flags(DetailTab::Output))) {
            app.tab = DetailTab::Output;
            drawOutputView(app, pane, w);
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    app.tabRequest.reset();
    ImGui::EndChild();

    // Bottom: the timeline of the whole run.
    if (ImGui::ArrowButton("##timeline", timeline ? ImGuiDir_Down : ImGuiDir_Right))
        app.timelineOpen = !timeline;
    ImGui::SameLine();
    panelTitle(app, "Timeline");
    if (!timeline) return;
    ImGui::SameLine();
    ImGui::TextDisabled(
        "\u25C6 exec   \u25CF fork (arrow to the child)   | exit   \u2717 killed   "
        "\u25A0 deadlock   numbered flags: lesson steps   the upright line: this step");
    const NarrationShown shown = narrationAt(app, pane);
    drawTimelineView(app, pane, tracks, ImVec2(0, 0), !shown.question.empty() && shown.beforeKey);
}

} // namespace

void drawApp(App& app) {
    app.update();
    // The layout points into the cursor's world: made again after the keys move the cursor
    // (the old world's processes are gone then).
    auto layout = [&app] {
        for (auto& p : app.panes)
            relayoutTree(p.tree, p.treeMadeFrom, p.session->trace(), p.session->world(),
                         p.collapsed, app.settings.showSandbox, app.settings.hideExited,
                         p.openGroups);
        for (auto& p : app.panes) updateSpoilers(app, p);
        // Compare mode: the columns stand at the same step, the first says the tab.
        for (auto& p : app.panes) followStepFocus(app, p);
    };
    layout();
    handleKeys(app);
    handleFileKeys(app);
    layout();
    if (app.blank) { // B: the class looks at the teacher, not the screen
        const ImGuiViewport* vp = ImGui::GetMainViewport();
        ImGui::SetNextWindowPos(vp->WorkPos);
        ImGui::SetNextWindowSize(vp->WorkSize);
        ImGui::PushStyleColor(ImGuiCol_WindowBg, IM_COL32_BLACK);
        ImGui::Begin("forklab##blank", nullptr,
                     ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                         ImGuiWindowFlags_NoSavedSettings);
        ImGui::TextColored(ImVec4(0.25f, 0.25f, 0.25f, 1), "B: back");
        ImGui::End();
        ImGui::PopStyleColor();
        return;
    }

    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    constexpr ImGuiWindowFlags kFlags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                        ImGuiWindowFlags_NoSavedSettings |
                                        ImGuiWindowFlags_NoBringToFrontOnFocus;
    if (ImGui::Begin("forklab##main", nullptr, kFlags)) {
        drawControls(app);
        ImGui::Separator();
        if (app.panes.empty()) {
            drawWelcome(app);
        } else if (app.columns()) {
            drawCompareView(app);
        } else {
            drawSingle(app, app.panes.front());
        }
    }
    ImGui::End();
}

} // namespace forklab::gui
