#include "app/gui/Spoilers.hpp"

#include "app/gui/App.hpp"
#include "app/gui/LessonView.hpp"

#include <algorithm>

namespace forklab::gui {

Spoilers spoilersOf(const App& app, Pane& pane) {
    if (!app.lessonMode() || !app.narration || !pane.session) return {};
    const NarrationShown n = narrationAt(app, pane);
    return declaredSpoilers(app.narration->spoilers, !n.question.empty() && n.reveal.empty());
}

Spoilers declaredSpoilers(const std::vector<std::string>& facts, bool pending) {
    Spoilers s;
    if (!pending) return s;
    s.pending = true;
    for (const std::string& f : facts) {
        s.threads |= f == "threads";
        s.verdict |= f == "verdict";
        s.exit |= f == "exit";
        s.output |= f == "output";
        s.ledger |= f == "ledger";
        s.processCount |= f == "process-count";
        s.timings |= f == "timings";
    }
    return s;
}

namespace {
bool isRoot(const CursorWorld& w, pid_t pid) {
    const ProcessView* r = w.world.programRoot();
    return r && r->pid == pid;
}
} // namespace

void maskTree(TreeLayout& tree, const CursorWorld& w, const Spoilers& s) {
    for (TreeNode& n : tree.nodes) {
        n.threadsHidden = false;
        n.stateHidden = false;
        if (!s.pending || isRoot(w, n.proc->pid)) continue;
        n.threadsHidden = s.threads;
        const bool waiting = n.state == ProcState::Deadlocked || n.state == ProcState::Blocked ||
                             !n.proc->deadlocks.empty();
        const bool ended = n.state == ProcState::Exited || n.state == ProcState::Killed;
        n.stateHidden = (s.verdict && waiting) || (s.exit && ended);
    }
}

void maskSync(SyncModel& m, const Spoilers& s) {
    if (s.verdict) {
        m.deadlocks.clear();
        m.waits.clear();
    }
    if (s.ledger)
        for (SemRow& r : m.semaphores) {
            r.status = kHiddenText;
            r.unlinkedBy = 0;
            r.unlinkedByName.clear();
            r.leaked = false;
        }
}

bool outputHidden(const Spoilers& s, const CursorWorld& w, pid_t pid) {
    if (!s.pending) return false;
    return s.timings || (s.output && !isRoot(w, pid));
}

bool eventHidden(const Spoilers& s, const Event& e) {
    if (!s.pending) return false;
    switch (e.kind) {
    case EventKind::Deadlock:
        return s.verdict;
    case EventKind::Exit:
    case EventKind::KilledBySandbox:
        return s.exit;
    case EventKind::ShmUnlink:
    case EventKind::Leak:
        return s.ledger;
    case EventKind::Output:
        return s.output || s.timings;
    default:
        return false;
    }
}

} // namespace forklab::gui
