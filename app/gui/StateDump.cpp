#include "app/gui/StateDump.hpp"
#include "core/trace/PipeWrites.hpp"

#include "app/gui/CompareView.hpp"
#include "app/gui/LessonView.hpp"
#include "app/gui/OutputView.hpp"
#include "app/gui/SourceView.hpp"
#include "app/gui/Spoilers.hpp"
#include "app/gui/StepRow.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/TreeView.hpp"
#include "core/trace/StackText.hpp"

#include <cstdio>
#include <fstream>
#include <imgui.h>
#include <nlohmann/json.hpp>

namespace forklab::gui {
namespace {

using nlohmann::json;

const char* statusName(FdRow::Status s) {
    switch (s) {
    case FdRow::Status::Open:
        return "open";
    case FdRow::Status::ClosedByExec:
        return "closed_by_exec";
    case FdRow::Status::ClosedAfterFork:
        return "closed_after_fork";
    }
    return "?";
}

// The row the step points at, looked up as the views look it up (StepRow.hpp) in the same
// trace-derived tables: which rows match and what they say. Nothing while it is held.
void addFocusRow(json& f, const App& app, Pane& pane) {
    Session& s = *pane.session;
    const RowFocus rf = stepRow(app, pane);
    f["row"] = rf ? rf.row->words : "";
    f["row_held"] = rf.held;
    json items = json::array();
    if (rf && !rf.held) {
        const CursorWorld& w = s.world();
        const auto& notes = s.index().annotations();
        switch (rf.row->kind) {
        case FocusRow::Kind::Fd:
            for (const FdRow& r : fdTable(s.trace(), w, rf.pid, notes).rows)
                if (rowIs(rf, rf.pid, r))
                    items.push_back({{"fd", r.entry.fd},
                                     {"target", r.entry.target},
                                     {"cloexec", r.entry.cloexec},
                                     {"status", statusName(r.status)}});
            break;
        case FocusRow::Kind::Semaphore:
        case FocusRow::Kind::Verdict: {
            SyncModel m = syncModel(s.trace(), w, notes);
            maskSync(m, pane.spoilers);
            for (const SemRow& r : m.semaphores)
                if (rowIs(rf, rf.pid, r))
                    items.push_back(
                        {{"name", r.name},
                         {"creator", r.creator},
                         {"status", r.status},
                         {"leaked", pane.spoilers.ledger ? json("?") : json(r.leaked)}});
            for (const DeadlockRow& d : m.deadlocks)
                if (rowIs(rf, rf.pid, d))
                    items.push_back({{"pid", d.pid}, {"tid", d.tid}, {"headline", d.headline}});
            break;
        }
        case FocusRow::Kind::Output: {
            const auto lines = outputOf(s, rf.pid);
            const int i = outputRowIndex(rf, rf.pid, lines);
            if (i >= 0)
                items.push_back({{"fd", lines[size_t(i)].fd}, {"text", lines[size_t(i)].text}});
            break;
        }
        case FocusRow::Kind::None:
            break;
        }
    }
    f["row_found"] = !items.empty();
    f["row_items"] = items;
    // Whether the view on screen is the step's process's (the user may have picked another).
    f["row_in_view"] = !items.empty() && (rf.row->kind == FocusRow::Kind::Semaphore ||
                                          rf.row->kind == FocusRow::Kind::Verdict ||
                                          focusPid(pane, s.world()) == rf.pid);
}

json paneState(App& app, Pane& pane) {
    Session& s = *pane.session;
    const Trace& trace = s.trace();
    const CursorWorld& w = s.world();
    updateSpoilers(app, pane);
    const pid_t focus = focusPid(pane, w);
    json j;
    j["title"] = s.title();
    j["method"] = pane.method >= 0 ? json(kMethodNames[pane.method]) : json(nullptr);
    if (!s.error().empty()) j["error"] = s.error();
    j["cursor"] = {{"events", s.cursor()},
                   {"step", s.currentStep()},
                   {"steps", s.index().steps().size()},
                   {"marker", s.index().markersBefore(s.cursor())},
                   {"markers", s.index().markers().size()}};
    if (auto e = s.currentEvent()) j["cursor"]["event"] = describeEvent(trace, w, *e);
    j["finished"] = trace.finished();
    j["events"] = trace.size();
    j["live"] = s.live();
    j["held"] = s.held();
    j["status"] = paneStatus(pane);
    j["key_fact"] = keyFact(app, pane);
    j["title"] = columnTitle(pane);
    j["version"] = pane.version;
    j["python"] = pane.python;
    j["retry"] = paneFailed(pane) && pane.launched != nullptr; // the Retry button is shown
    j["attempts"] = pane.attempts;
    j["breaks"] = s.breaks().size(); // steps the run was held at (drawn as timeline breaks)
    j["selected"] = focus;
    // The current step's declared focus (the lesson's "## focus"), as the views follow it.
    {
        json f = {{"process", ""}, {"tab", ""}, {"pid", pane.stepFocus}};
        const size_t at = s.index().markersBefore(s.cursor());
        if (app.lessonMode() && app.narration && at > 0) {
            const auto& m = trace[s.index().markers()[at - 1]].as<ev::Marker>();
            const auto it = app.narration->focus.find(std::string(trace.str(m.label)));
            if (it != app.narration->focus.end())
                f = {{"process", it->second.process},
                     {"tab", it->second.tab},
                     {"pid", pane.stepFocus}};
        }
        addFocusRow(f, app, pane);
        j["focus"] = f;
    }
    // The Source panel: the lesson's program and the line of the current step.
    if (app.lessonMode()) {
        const SourceShown src = sourceAt(app, pane);
        j["source"] = {{"file", src.file},
                       {"path", lessonSource(app).path},
                       {"line", src.line},
                       {"text", src.text},
                       {"marker_file", src.markerFile},
                       {"marker_line", src.markerLine},
                       {"why", src.why},
                       {"comments_folded", src.commentsFolded}};
    }
    j["search"] = pane.search;
    // What the views hide until the reveal (the values below are masked as the views show them).
    const Spoilers& hide = pane.spoilers;
    json hidden = json::array();
    for (auto [on, name] : {std::pair{hide.threads, "threads"},
                            {hide.verdict, "verdict"},
                            {hide.exit, "exit"},
                            {hide.output, "output"},
                            {hide.ledger, "ledger"},
                            {hide.processCount, "process-count"},
                            {hide.timings, "timings"}})
        if (on) hidden.push_back(name);
    j["spoilers"] = {{"pending", hide.pending}, {"hidden", hidden}};

    json nodes = json::array();
    for (const TreeNode& n : pane.tree.nodes) {
        const ProcessView& p = *n.proc;
        nodes.push_back(
            {{"pid", p.pid},
             {"nspid", p.nspid},
             {"parent", p.parent},
             {"name", p.name},
             {"label", displayName(w, p)},
             {"command_line", cardCommand(p)},
             {"depth", n.depth},
             {"start", label(n.start)},
             {"state", n.stateHidden ? "?" : label(n.state)},
             {"state_text", n.stateHidden ? kHiddenText : n.stateText},
             {"threads", n.threadsHidden ? json("?") : json(p.threads.size())},
             {"threads_when_last_seen", n.threadsHidden || p.snap == kNoSnap
                                            ? json("?")
                                            : json(trace.snapshot(p.snap).threads.size())},
             {"deadlocked", n.stateHidden ? json("?") : json(!p.deadlocks.empty())},
             {"collapsed", n.collapsed},
             {"hidden", n.hidden}});
        // Identical siblings shown as one row, and the first of an opened group.
        if (n.groupSize > 0) {
            nodes.back()["group_size"] = n.groupSize;
            nodes.back()["group_title"] = groupTitle(n);
            nodes.back()["group_members"] = n.members;
        }
        if (n.openGroupSize > 0) nodes.back()["open_group_size"] = n.openGroupSize;
    }
    j["tree"] = nodes;
    j["tree_view"] = app.compactTree ? "compact" : "boxes";
    {
        const TimelineState& tl = pane.timeline;
        json flags = json::array();
        for (auto& f : tl.flags)
            flags.push_back({{"step", f.step}, {"x", f.x}, {"w", f.w}, {"current", f.current}});
        j["timeline"] = {{"t0_ns", tl.t0},
                         {"t1_ns", tl.t1},
                         {"fit", tl.fit},
                         {"end_ns", tl.shownEnd},
                         {"recorded_end_ns", s.index().endTime()},
                         {"flags", flags},
                         {"thread_lines", tl.threadLinesDrawn},
                         {"fork_arrows", tl.forkArrows}};
    }
    // Where the tree was drawn: the panel and each card, in window pixels.
    json cards = json::array();
    for (auto& [pid, r] : pane.cards) {
        const Pane::Rect& t = pane.treePanel;
        const bool inside =
            r.x >= t.x && r.y >= t.y && r.x + r.w <= t.x + t.w && r.y + r.h <= t.y + t.h;
        cards.push_back(
            {{"pid", pid}, {"x", r.x}, {"y", r.y}, {"w", r.w}, {"h", r.h}, {"visible", inside}});
    }
    j["tree_panel"] = {{"x", pane.treePanel.x},
                       {"y", pane.treePanel.y},
                       {"w", pane.treePanel.w},
                       {"h", pane.treePanel.h},
                       {"vertical", pane.treeVertical},
                       {"rows", pane.tree.rows},
                       {"zoomed", !pane.cards.empty() &&
                                      pane.cards.front().second.h < 4.2f * ImGui::GetFontSize()},
                       {"cards", cards}};

    const FdTable t = fdTable(trace, w, focus, s.index().annotations());
    json fds = json::array();
    for (const FdRow& r : t.rows) {
        json ends = json::array();
        for (auto& e : r.otherEnds)
            ends.push_back({{"pid", e.pid}, {"name", e.name}, {"fd", e.fd}});
        fds.push_back({{"fd", r.entry.fd},
                       {"target", r.entry.target},
                       {"name", r.name},
                       {"kind", toString(r.entry.kind)},
                       {"inherited", r.inherited},
                       {"set_up_by_forklab", r.setUpByForklab},
                       {"cloexec", r.entry.cloexec},
                       {"status", statusName(r.status)},
                       {"closed_by_exec", r.status == FdRow::Status::ClosedByExec},
                       {"other_ends", ends},
                       {"other_ends_total", r.otherEndsTotal}});
    }
    // The pipe writes the fd view shows for this process (hidden as it hides them).
    json writes = json::array();
    for (const PipeData& d : pipeWrites(trace, s.index().pipeWrites(), w.world.upto)) {
        bool holds = d.pid == focus;
        for (auto& r : t.rows) holds |= r.entry.target == d.target;
        if (!holds) continue;
        const bool hidden = hide.pending && hide.output;
        writes.push_back({{"pid", d.pid},
                          {"fd", d.fd},
                          {"target", d.target},
                          {"length", hidden ? json(kHiddenText) : json(d.length)},
                          {"head", hidden ? kHiddenText : hexHead(d.bytes, 8)}});
    }
    j["fds"] = {{"pipe_writes", writes},
                {"pid", t.pid},
                {"known", t.known},
                {"when", t.when},
                {"inherited_at_fork", t.inheritedCount},
                {"closed_by_exec", t.closedByExec},
                {"rows", fds}};

    SyncModel m = syncModel(trace, w, s.index().annotations());
    maskSync(m, hide);
    json dl = json::array();
    for (auto& d : m.deadlocks)
        dl.push_back({{"pid", d.pid},
                      {"tid", d.tid},
                      {"rule", std::string(1, d.rule)},
                      {"addr", hex(d.addr)},
                      {"mutex", d.mutexName},
                      {"owner_tid", d.ownerNsTid},
                      {"owner_host_tid", d.ownerTid},
                      {"owner_in_process", false},
                      {"headline", d.headline},
                      {"explanation", d.explanation},
                      {"evidence", d.evidence},
                      {"stack", stackLine(unpackStack(
                                    trace.str(trace[d.event].as<ev::Deadlock>().stack)))}});
    j["deadlocks"] = dl;
    json waits = json::array();
    for (auto& r : m.waits)
        waits.push_back({{"pid", r.pid},
                         {"tid", r.tid},
                         {"addr", hex(r.addr)},
                         {"private", r.privateFutex},
                         {"timeout", r.timeout}});
    j["waits"] = waits;
    json sems = json::array();
    for (auto& r : m.semaphores)
        sems.push_back({{"name", r.name},
                        {"file", r.file},
                        {"creator", r.creator},
                        {"mapped_by", r.mappedBy},
                        {"value", r.value ? json(*r.value) : json(nullptr)},
                        {"unlinked_by", hide.ledger ? json("?") : json(r.unlinkedBy)},
                        {"leaked", hide.ledger ? json("?") : json(r.leaked)},
                        {"status", r.status}});
    j["semaphores"] = sems;

    json out = json::array();
    if (!outputHidden(hide, w, focus))
        for (auto& l : outputOf(s, focus)) out.push_back({{"fd", l.fd}, {"text", l.text}});
    j["output"] = out;
    j["output_hidden"] = outputHidden(hide, w, focus);

    const NarrationShown n = narrationAt(app, pane);
    j["narration"] = {
        {"title", n.title},   {"step", n.stepLine},        {"text", n.text},
        {"event", n.event},   {"question", n.question},    {"choices", n.choices},
        {"reveal", n.reveal}, {"per_method", n.perMethod}, {"before_key", n.beforeKey}};
    return j;
}

// Compare mode's Source panel: per column, the line it highlights (file:line) or why none, as
// the last frame drew it.
json compareSourceState(App& app) {
    const CompareSource& cs = app.compareSource;
    bool folded = false;
    json columns = json::array();
    for (size_t i = 0; i < app.panes.size(); ++i) {
        Pane& p = app.panes[i];
        const SourceShown src = sourceAt(app, p);
        folded |= src.commentsFolded;
        bool drawn = false, inView = false;
        for (size_t k = 0; k < cs.marks.size(); ++k)
            if (cs.marks[k].column == i && cs.marks[k].line == src.line) {
                drawn = true;
                inView = k < cs.inView.size() && cs.inView[k];
            }
        const ImU32 c = paneColour(app, i);
        char colour[8];
        std::snprintf(colour, sizeof colour, "#%02x%02x%02x", (c >> IM_COL32_R_SHIFT) & 0xff,
                      (c >> IM_COL32_G_SHIFT) & 0xff, (c >> IM_COL32_B_SHIFT) & 0xff);
        columns.push_back({{"title", columnTitle(p)},
                           {"marker", p.session->index().markersBefore(p.session->cursor())},
                           {"highlight", src.line ? src.file + ":" + std::to_string(src.line) : ""},
                           {"line", src.line},
                           {"text", src.text},
                           {"marker_file", src.markerFile},
                           {"marker_line", src.markerLine},
                           {"why", src.why},
                           {"colour", colour},
                           {"drawn", drawn},
                           {"in_view", inView}});
    }
    return {{"shown", compareSourceShown(app)},
            {"drawn", cs.drawn},
            {"form", cs.lines ? "lines" : "listing"},
            {"file", lessonSource(app).name},
            {"path", lessonSource(app).path},
            {"first_visible", cs.firstVisible},
            {"last_visible", cs.lastVisible},
            {"comments_folded", folded},
            {"columns", columns}};
}

} // namespace

json stateOf(App& app) {
    json j;
    j["mode"] = app.compareVersions && app.columns() ? "compare-versions"
                : app.columns()                      ? "compare"
                : app.lessonMode()                   ? "lesson"
                                                     : "program";
    j["lesson"] = app.lessonMode() ? json(app.lesson) : json(nullptr);
    j["scale"] = app.settings.scale;
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    j["window"] = {{"w", vp->Size.x}, {"h", vp->Size.y}};
    j["present"] = app.presenting();
    j["blank"] = app.blank;
    j["theme"] = toString(app.settings.theme);
    j["colour_blind_safe"] = app.settings.colourBlindSafe;
    // Lines of the lesson file that were ignored, with the reason (a malformed "## focus" line).
    j["lesson_problems"] = app.narration ? json(app.narration->problems) : json::array();
    j["tab"] = app.tab == DetailTab::Fds ? "fds" : app.tab == DetailTab::Sync ? "sync" : "output";
    json panes = json::array();
    for (auto& p : app.panes) panes.push_back(paneState(app, p));
    j["panes"] = panes;
    if (app.columns() && app.lessonMode()) j["compare_source"] = compareSourceState(app);
    if (!app.message.empty()) j["message"] = app.message;
    // Open…, Export…, PNG: the fields and what the last of them did (the line under the bar).
    const FileState& f = app.file;
    j["files"] = {
        {"open_path", f.openPath},
        {"open_error", f.openError},
        {"export_format", kExportFormatNames[int(f.exportFormat)]},
        {"export_path", f.exportPath},
        {"export_error", f.exportError},
        {"last_export", f.lastExport},
        {"result", {{"ok", f.result.ok}, {"text", f.result.text}, {"path", f.result.path}}}};
    return j;
}

bool writeStateDump(App& app, const std::string& path) {
    std::ofstream out(path);
    out << stateOf(app).dump(2) << '\n';
    return bool(out);
}

} // namespace forklab::gui
