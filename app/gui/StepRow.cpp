#include "app/gui/StepRow.hpp"

#include <algorithm>

#include "app/gui/Spoilers.hpp"
#include "app/gui/Theme.hpp"

#include <cstdint>
#include <imgui.h>

namespace forklab::gui {

RowFocus stepRow(const App& app, Pane& pane) {
    RowFocus f;
    if (!app.lessonMode() || !app.narration || !pane.session || pane.method < 0 || pane.method > 2)
        return f;
    Session& s = *pane.session;
    const size_t at = s.index().markersBefore(s.cursor());
    if (at == 0 || !pane.stepFocus) return f;
    const Trace& trace = s.trace();
    const auto& m = trace[s.index().markers()[at - 1]].as<ev::Marker>();
    const auto it = app.narration->focus.find(std::string(trace.str(m.label)));
    if (it == app.narration->focus.end() || !it->second.rows[pane.method]) return f;
    f.row = &it->second.rows[pane.method];
    f.pid = pane.stepFocus;
    f.step = at;
    const Spoilers& hide = pane.spoilers;
    switch (f.row->kind) {
    case FocusRow::Kind::Verdict:
        f.held = hide.verdict;
        break;
    case FocusRow::Kind::Output:
        f.held = outputHidden(hide, s.world(), f.pid);
        break;
    case FocusRow::Kind::Fd:
        // What a child holds and what exec closed is what an fd question asks, declared or not.
        f.held = hide.pending;
        break;
    case FocusRow::Kind::Semaphore: // its name and creator are no answer; its fate is masked
    case FocusRow::Kind::None:
        break;
    }
    return f;
}

bool rowIs(const RowFocus& f, pid_t pid, const FdRow& r) {
    if (!f || f.held || pid != f.pid || f.row->kind != FocusRow::Kind::Fd) return false;
    switch (f.row->fd) {
    case FocusRow::Fd::Number:
        return r.entry.fd == f.row->number;
    case FocusRow::Fd::ClosedByExec:
        return r.status == FdRow::Status::ClosedByExec;
    case FocusRow::Fd::Cloexec:
        return r.status == FdRow::Status::Open && r.entry.cloexec;
    case FocusRow::Fd::Target:
        return r.entry.target == f.row->arg;
    }
    return false;
}

bool rowIs(const RowFocus& f, pid_t pid, const SemRow& r) {
    (void)pid; // the ledger lists every process's semaphores
    if (!f || f.held || f.row->kind != FocusRow::Kind::Semaphore) return false;
    return f.row->arg.empty() ? r.creator == f.pid : r.name == f.row->arg;
}

bool rowIs(const RowFocus& f, pid_t pid, const DeadlockRow& r) {
    (void)pid; // the verdicts are listed for every process: the step's process's own
    return f && !f.held && f.row->kind == FocusRow::Kind::Verdict && r.pid == f.pid;
}

int outputRowIndex(const RowFocus& f, pid_t pid, const std::vector<OutputLine>& lines) {
    if (!f || f.held || pid != f.pid || f.row->kind != FocusRow::Kind::Output) return -1;
    for (size_t i = lines.size(); i-- > 0;)
        if (lines[i].text.find(f.row->arg) != std::string::npos) return int(i);
    return -1;
}

bool scrollRowNow(const RowFocus& f, const char* view) {
    // Once per step and process, and again when the row comes back into a view that did not
    // draw it in the last frame (another step or tab in between); else the user's scrolling wins.
    ImGuiStorage* st = ImGui::GetStateStorage();
    const ImGuiID stepId = ImGui::GetID(view), frameId = stepId + 1;
    // A new scale or width lays the rows out again (the first frame may be before the fonts of a
    // projector's scale are built): scroll again then too.
    const int key = int(uint32_t(f.step) * 65599u + uint32_t(f.pid) * 31u +
                        uint32_t(ImGui::GetFontSize()) * 7919u + uint32_t(ImGui::GetWindowWidth()));
    const int frame = ImGui::GetFrameCount();
    const int last = st->GetInt(frameId, -10);
    if (last == frame) return false; // the first of the step's rows only
    const bool again = st->GetInt(stepId, -1) != key || last != frame - 1;
    st->SetInt(stepId, key);
    st->SetInt(frameId, frame);
    return again;
}

void markTableRow(const RowFocus& f, const char* view) {
    const Palette& pal = palette();
    ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, pal.focusFill);
    const float em = ImGui::GetFontSize();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float left = p.x - ImGui::GetStyle().CellPadding.x;
    ImGui::GetWindowDrawList()->AddRectFilled(
        ImVec2(left, p.y - 1), ImVec2(left + 0.28f * em, p.y + em * 1.15f), pal.focusLine);
    ImGui::TextUnformatted(kRowMarker);
    // After an item of the row: SetScrollHereY goes to the last item's line. Above the middle,
    // so the rows below it show too, and clear of the frozen header in a table of a few lines.
    if (scrollRowNow(f, view)) ImGui::SetScrollHereY(0.4f);
    ImGui::SameLine(0, 0.3f * em);
}

float viewHeight(bool pointed, float otherwise) {
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float avail = ImGui::GetContentRegionAvail().y;
    // (App.cpp keeps kRowViewLines for it on a projector; the side is not scrolled to make room,
    // which hid the narration, answer and all, at the reveal)
    if (!pointed || avail >= kRowViewLines * line) return otherwise;
    return std::max(avail, 3.0f * line);
}

void outlineBlock(ImVec2 start, ImVec2 end) {
    const Palette& pal = palette();
    const float em = ImGui::GetFontSize();
    ImGui::GetWindowDrawList()->AddRect(ImVec2(start.x - 0.2f * em, start.y - 0.2f * em),
                                        ImVec2(end.x + 0.2f * em, end.y + 0.2f * em), pal.focusLine,
                                        em * 0.35f, 0, 0.22f * em);
}

} // namespace forklab::gui
