#include "app/gui/App.hpp"

#include "app/gui/LessonSource.hpp"
#include "app/gui/Spoilers.hpp"

#include <algorithm>
#include <imgui.h>

// What a step is about: the tab that holds the answer at the reveal, the spoilers in force, and the
// process and tab each step of a lesson declares (its "## focus"), followed by the views.
namespace forklab::gui {

std::optional<DetailTab> answerTab(const App& app) {
    if (!app.lessonMode() || !app.narration) return std::nullopt;
    std::optional<DetailTab> tab;
    for (const std::string& f : app.narration->spoilers) {
        if (f == "ledger" || f == "verdict") return DetailTab::Sync;
        if (f == "output" || f == "timings") tab = DetailTab::Output;
    }
    return tab;
}

void updateSpoilers(App& app, Pane& pane) {
    Session& s = *pane.session;
    pane.spoilers = spoilersOf(app, pane);
    maskTree(pane.tree, s.world(), pane.spoilers);
    pane.revealPid = 0;
    const auto key = s.index().key();
    if (!app.lessonMode() || !app.narration || app.narration->question.empty() || !key ||
        pane.spoilers.pending)
        return;
    const size_t keyOrdinal = s.index().markersBefore(*key + 1);
    const size_t at = s.index().markersBefore(s.cursor());
    if (at != keyOrdinal && at != keyOrdinal + 1) return; // later steps follow their own process
    pane.revealPid = s.trace()[*key].pid;
    if (pane.autoTabAt != at) { // once per step: the user may pick another tab
        pane.autoTabAt = at;
        if (auto tab = answerTab(app)) app.tabRequest = *tab;
    }
}

pid_t focusProcess(const Pane& pane, const CursorWorld& w, const std::string& spec, pid_t marker) {
    if (spec == "marker") return pane.tree.indexOf(marker) >= 0 ? marker : 0;
    if (spec == "parent") {
        const ProcessView* r = w.world.programRoot();
        return r && pane.tree.indexOf(r->pid) >= 0 ? r->pid : 0;
    }
    // The first in the tree's order: the oldest of its kind.
    for (const TreeNode& n : pane.tree.nodes) {
        const StartKind k = n.start;
        const bool helper = k == StartKind::Sandbox || k == StartKind::Root ||
                            k == StartKind::Server || k == StartKind::Tracker;
        if ((spec == "child" && !helper) || (spec == "forkserver" && k == StartKind::Server) ||
            (spec == "tracker" && k == StartKind::Tracker))
            return n.proc->pid;
    }
    return 0;
}

void followStepFocus(App& app, Pane& pane) {
    Session& s = *pane.session;
    const size_t at = s.index().markersBefore(s.cursor());
    pane.stepFocus = 0;
    if (!app.lessonMode() || !app.narration || at == 0) return;
    const Event& m = s.trace()[s.index().markers()[at - 1]];
    const auto it = app.narration->focus.find(std::string(s.trace().str(m.as<ev::Marker>().label)));
    if (it == app.narration->focus.end()) return;
    const Narration::Focus& f = it->second;
    pane.stepFocus = focusProcess(pane, s.world(), f.process, m.pid);
    if (pane.focusAt == at) return;
    // A step reached: its focus wins over a pick made at another step (not over the command
    // line's --select or --tab, which come before the first frame).
    const bool first = pane.focusAt == SIZE_MAX;
    pane.focusAt = at;
    if (!first) pane.userSelected = false;
    if (first && app.tabRequest) return;
    if (f.tab == "fds") app.tabRequest = DetailTab::Fds;
    if (f.tab == "sync") app.tabRequest = DetailTab::Sync;
    if (f.tab == "output") app.tabRequest = DetailTab::Output;
}

bool App::presenting() const {
    if (present) return *present;
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    return vp->WorkSize.y / ImGui::GetFontSize() < 36.0f;
}

// ---- actions ----------------------------------------------------------------------------------

bool App::anyLive() const {
    for (auto& p : panes)
        if (p.session->live()) return true;
    return false;
}

} // namespace forklab::gui
