#include "app/gui/CompareView.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/FdView.hpp"
#include "app/gui/LessonView.hpp"
#include "app/gui/OutputView.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/TreeView.hpp"
#include "core/trace/PipeWrites.hpp"

#include <algorithm>
#include <cmath>
#include <imgui.h>

namespace forklab::gui {

std::string paneStatus(const Pane& pane) {
    const Session& s = *pane.session;
    if (!s.error().empty()) return "could not start: " + s.error();
    const Trace& t = s.trace();
    if (t.finished()) {
        const auto& end = t[t.size() - 1].as<ev::RunEnd>();
        return "ended: exit code " + std::to_string(end.exitCode) + " (" + toString(end.reason) +
               ")";
    }
    if (s.held())
        return "held at step " + std::to_string(s.index().markers().size()) + ": press Next";
    if (s.live()) return t.size() == 0 ? "starting\u2026" : "running";
    if (s.recording()) return "the recorder stopped without an end";
    return "stopped";
}

std::string keyFact(const App& app, Pane& pane) {
    if (!app.lessonMode() || !app.narration || app.narration->spoilers.empty()) return {};
    if (pane.spoilers.pending) return "? (revealed after the key step)";
    Session& s = *pane.session;
    const CursorWorld& w = s.world();
    const auto key = s.index().key();
    const ProcessView* root = w.world.programRoot();
    const pid_t keyPid = key ? s.trace()[*key].pid : root ? root->pid : 0;
    std::string fact;
    auto add = [&](const std::string& part) {
        if (!part.empty()) fact += (fact.empty() ? "" : " \u00b7 ") + part;
    };
    for (const std::string& f : app.narration->spoilers) {
        if (f == "output" || f == "timings") {
            const pid_t who = f == "timings" && root ? root->pid : keyPid;
            auto lines = outputOf(s, who, 1);
            while (!lines.empty() && lines.back().text.empty()) lines.pop_back();
            if (!lines.empty()) {
                std::string text = lines.back().text;
                while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
                    text.pop_back();
                add(displayName(w, *w.world.find(who)) + " wrote: " + text);
            }
        } else if (f == "verdict") {
            bool deadlock = false;
            for (auto& n : pane.tree.nodes) deadlock |= !n.proc->deadlocks.empty();
            add(deadlock ? "\u26A0 deadlock proven" : "no deadlock");
        } else if (f == "ledger") {
            const SyncModel m = syncModel(s.trace(), w, s.index().annotations());
            for (auto& r : m.semaphores) add(r.name + ": " + r.status);
            if (m.semaphores.empty()) add("no named semaphore");
        } else if (f == "process-count") {
            const size_t n = pane.tree.nodes.size();
            add(std::to_string(n) + (n == 1 ? " process" : " processes"));
        } else if (f == "threads") {
            if (const ProcessView* p = w.world.find(keyPid)) {
                size_t n = p->threads.size();
                if (!p->alive && p->snap != kNoSnap) n = s.trace().snapshot(p->snap).threads.size();
                add(displayName(w, *p) + ": " + std::to_string(n) +
                    (n == 1 ? " thread" : " threads"));
            }
        }
    }
    // What crossed to the child, as the recorder caught it in the data pipe.
    if (app.lesson == "python-arguments") {
        const auto crossed = pipeWrites(s.trace(), s.index().pipeWrites(), w.world.upto);
        if (crossed.empty()) add("nothing written into a data pipe");
        for (auto& d : crossed)
            add(std::to_string(d.length) + " bytes into the data pipe: " + hexHead(d.bytes, 4));
    }
    return fact;
}

bool paneFailed(const Pane& pane) {
    const Session& s = *pane.session;
    return !s.error().empty() || (s.recording() && !s.live() && !s.trace().finished());
}

std::string columnTitle(const Pane& pane) {
    if (!pane.version.empty()) return "CPython " + pane.version;
    return pane.method >= 0 ? kMethodNames[pane.method] : pane.session->title();
}

namespace {

// A column's place in the Source panel, in one line: its colour, and the line it stands at
// (hover: the line's code, or why there is none; click: the panel shows that line).
void lineReference(App& app, size_t i, const SourceShown& src) {
    const float em = ImGui::GetFontSize();
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float side = ImGui::GetTextLineHeight();
    ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + 0.6f * em, at.y + side),
                                              paneColour(app, i), 0.15f * em);
    ImGui::Dummy(ImVec2(0.6f * em, side));
    ImGui::SameLine(0, 0.3f * em);
    const std::string text = src.line ? "line " + std::to_string(src.line) : "no line";
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    const bool clicked = ImGui::Selectable((text + "##line").c_str(), false, 0,
                                           ImVec2(ImGui::CalcTextSize(text.c_str()).x, 0));
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered() && !app.file.capturing)
        ImGui::SetTooltip("%s", src.line ? (src.file + ":" + std::to_string(src.line) + "  " +
                                            src.text + "\n(click, or S: the Source panel)")
                                               .c_str()
                                         : ("No line: " + src.why).c_str());
    // The listing comes to the line; on a projector (each column's line alone) a click shows or
    // hides the panel, as S does.
    if (clicked && compareSourceNarrow(app))
        app.compareSource.shown = !compareSourceShown(app);
    else if (clicked && src.line) {
        app.compareSource.shown = true;
        app.compareSource.scrollTo = src.line;
    }
}

} // namespace

uint32_t paneColour(const App& app, size_t i) {
    const Pane& pane = app.panes[i];
    constexpr StartKind kinds[3] = {StartKind::Fork, StartKind::Spawn, StartKind::Server};
    if (pane.version.empty() && pane.method >= 0 && pane.method < 3 && !app.compareVersions)
        return startColour(kinds[pane.method]);
    return columnColour(i);
}

void drawCompareView(App& app) {
    const Palette& pal = palette();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float narrationH = avail.y * 0.30f;
    // The Source panel shares the narration's band (S shows or hides it): the columns keep
    // their room.
    const bool lesson = app.lessonMode();
    const bool source = lesson && compareSourceShown(app);
    app.compareSource.drawn = false;
    // Three methods fill the width; more columns (one per CPython) keep a readable width and
    // scroll sideways.
    const float n = float(std::max<size_t>(app.panes.size(), 1));
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float colW = std::max((avail.x - gap * (n - 1)) / n, 18.0f * ImGui::GetFontSize());
    const float colH = avail.y - narrationH - ImGui::GetStyle().ItemSpacing.y;
    const bool scroll = colW * n + gap * (n - 1) > avail.x + 1.0f;
    if (scroll)
        ImGui::BeginChild("columns", ImVec2(avail.x, colH + ImGui::GetStyle().ScrollbarSize), false,
                          ImGuiWindowFlags_HorizontalScrollbar);

    for (size_t i = 0; i < app.panes.size(); ++i) {
        Pane& pane = app.panes[i];
        Session& s = *pane.session;
        const CursorWorld& w = s.world();
        if (i) ImGui::SameLine();
        ImGui::PushID(int(i));
        ImGui::BeginChild("column", ImVec2(colW, colH), false);
        ImGui::PushFont(app.fonts.heading);
        ImGui::TextUnformatted(columnTitle(pane).c_str());
        ImGui::PopFont();
        // Its colour and line in the Source panel.
        if (lesson) {
            ImGui::SameLine(0, ImGui::GetFontSize());
            ImGui::SetCursorPosY(ImGui::GetCursorPosY() +
                                 (ImGui::GetItemRectSize().y - ImGui::GetTextLineHeight()) * 0.5f);
            lineReference(app, i, sourceAt(app, pane));
        }
        const size_t procs = pane.tree.nodes.size();
        const std::string count =
            pane.spoilers.processCount
                ? std::string("? processes")
                : std::to_string(procs) + (procs == 1 ? " process" : " processes");
        const std::string facts = count + "  \u00b7 " + paneStatus(pane);
        const bool failed = paneFailed(pane);
        if (failed) {
            colouredWrapped(pal.deadlock, facts);
            // Start this column again as it was started; the others keep their runs.
            if (pane.launched && ImGui::Button("Retry")) app.retryPane(i);
            if (pane.attempts > 1) {
                ImGui::SameLine();
                ImGui::TextDisabled("attempt %d", pane.attempts);
            }
        } else {
            ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
            ImGui::TextWrapped("%s", facts.c_str());
            ImGui::PopStyleColor();
        }
        // The column's answer, in one line, once revealed.
        if (const std::string fact = keyFact(app, pane); !fact.empty()) {
            ImGui::PushFont(app.fonts.bold);
            ImGui::TextWrapped("%s", fact.c_str());
            ImGui::PopFont();
        }
        bool deadlock = false;
        for (auto& n : pane.tree.nodes) deadlock |= !n.proc->deadlocks.empty() && !n.stateHidden;
        if (deadlock) {
            ImGui::SameLine();
            pill(ImGui::GetWindowDrawList(), ImGui::GetCursorScreenPos(), "\u26A0 deadlock",
                 pal.deadlock, IM_COL32_WHITE);
            ImGui::NewLine();
        }
        drawTreeView(app, pane, w, ImVec2(0, colH * 0.62f), true);
        // What the selected process holds, in brief: fds and the verdict.
        ImGui::BeginChild("facts", ImVec2(0, 0), false);
        const pid_t focus = focusPid(pane, w);
        const FdTable t = fdTable(s.trace(), w, focus, s.index().annotations());
        if (const ProcessView* p = w.world.find(focus)) {
            ImGui::PushFont(app.fonts.bold);
            ImGui::Text("%s", who(w, p->pid).c_str());
            ImGui::PopFont();
            ImGui::SameLine();
            const int at = pane.tree.indexOf(p->pid);
            if (at >= 0 && pane.tree.nodes[size_t(at)].threadsHidden)
                ImGui::TextDisabled("? threads");
            else
                ImGui::TextDisabled("%zu thread%s", p->threads.size(),
                                    p->threads.size() == 1 ? "" : "s");
            // Short: number, kind, and the program's name for it.
            auto item = [](const FdRow& r) {
                std::string kind = r.entry.kind == FdKind::Pipe     ? "pipe"
                                   : r.entry.kind == FdKind::Socket ? "socket"
                                                                    : r.entry.target;
                if (auto slash = kind.rfind('/');
                    slash != std::string::npos && slash + 1 < kind.size())
                    kind = kind.substr(slash + 1);
                std::string s = std::to_string(r.entry.fd) + " " + kind;
                if (!r.name.empty()) s += " \u201c" + r.name + "\u201d";
                return s;
            };
            std::string open, gone;
            int count = 0;
            for (auto& r : t.rows) {
                if (r.status == FdRow::Status::Open) {
                    open += (open.empty() ? "" : ", ") + item(r);
                    ++count;
                } else {
                    gone += (gone.empty() ? "" : ", ") + item(r);
                }
            }
            ImGui::TextWrapped("%d open fds: %s", count,
                               open.empty() ? "(not read yet)" : open.c_str());
            if (!gone.empty()) colouredWrapped(pal.deadlock, "closed: " + gone);
        }
        const NarrationShown n = narrationAt(app, pane);
        if (!n.perMethod.empty()) {
            ImGui::Spacing();
            ImGui::TextWrapped("%s", n.perMethod.c_str());
        }
        ImGui::EndChild();
        ImGui::EndChild();
        ImGui::PopID();
    }
    if (scroll) ImGui::EndChild();
    // The shared narration, from the first column; the Source beside it, or on a projector in
    // its place (S again brings the narration back).
    const bool instead = source && compareSourceNarrow(app);
    if (!instead) {
        const float w = source ? std::floor(ImGui::GetContentRegionAvail().x * 0.5f) : 0.0f;
        ImGui::BeginChild("narration", ImVec2(w, 0), true);
        if (!app.panes.empty()) drawLessonView(app, app.panes.front(), false);
        ImGui::EndChild();
    }
    if (source) {
        if (!instead) ImGui::SameLine();
        ImGui::BeginChild("source", ImVec2(0, 0), !instead); // its lines have their own frames
        drawCompareSource(app);
        if (instead && !app.panes.empty()) { // the narration follows the lines
            ImGui::Spacing();
            drawLessonView(app, app.panes.front(), false);
        }
        ImGui::EndChild();
    }
}

} // namespace forklab::gui
