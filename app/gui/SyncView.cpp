#include "app/gui/SyncView.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/Spoilers.hpp"
#include "app/gui/StepRow.hpp"
#include "app/gui/Theme.hpp"
#include "core/trace/StackText.hpp"

#include <imgui.h>

namespace forklab::gui {
namespace {

void section(const App& app, const char* title) {
    ImGui::Spacing();
    ImGui::PushFont(app.fonts.bold);
    ImGui::TextUnformatted(title);
    ImGui::PopFont();
}

// Where the waiting thread is stuck: its native stack as read while it was held, innermost
// first, on one line; every frame (with its module) folded below. Why, when it was not read.
void drawStack(const App& app, const Trace& trace, size_t event) {
    const ThreadStack stack = unpackStack(trace.str(trace[event].as<ev::Deadlock>().stack));
    ImGui::TextUnformatted("Where it waits:");
    ImGui::SameLine();
    ImGui::PushFont(app.fonts.mono);
    if (stack.frames.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().textDim));
        ImGui::TextWrapped("%s", stackLine(stack).c_str());
        ImGui::PopStyleColor();
        ImGui::PopFont();
        return;
    }
    ImGui::TextWrapped("%s", stackLine(stack, 6).c_str());
    ImGui::PopFont();
    const std::string label = "all " + std::to_string(stack.frames.size()) + " frames" +
                              (stack.truncated ? " read (the stack goes deeper)" : "");
    if (ImGui::TreeNode("stack", "%s", label.c_str())) {
        ImGui::PushFont(app.fonts.mono);
        for (size_t i = 0; i < stack.frames.size(); ++i)
            ImGui::TextWrapped("#%-2zu %s", i, frameText(stack.frames[i]).c_str());
        ImGui::PopFont();
        ImGui::TreePop();
    }
}

} // namespace

void drawSyncView(const App& app, Pane& pane, const CursorWorld& w) {
    const Palette& pal = palette();
    const Trace& trace = pane.session->trace();
    SyncModel m = syncModel(trace, w, pane.session->index().annotations());
    maskSync(m, pane.spoilers);
    const pid_t focus = focusPid(pane, w);
    const float em = ImGui::GetFontSize();
    const RowFocus focusRow = stepRow(app, pane); // "verdict", "semaphore"
    bool anyPointed = false;
    for (const DeadlockRow& d : m.deadlocks) anyPointed |= rowIs(focusRow, focus, d);
    for (const SemRow& r : m.semaphores) anyPointed |= rowIs(focusRow, focus, r);

    ImGui::BeginChild("sync", ImVec2(0, viewHeight(anyPointed, 0)), false);
    section(app, "Deadlocks");
    if (pane.spoilers.verdict)
        ImGui::TextDisabled("Hidden until the reveal: predict first, then press Next.");
    else if (m.deadlocks.empty())
        ImGui::TextDisabled("No deadlock proven up to this step.");
    for (const DeadlockRow& d : m.deadlocks) {
        ImGui::PushID(int(d.event));
        const bool pointed = rowIs(focusRow, focus, d);
        // A red box: the verdict in one sentence, the reason, then the recorder's evidence.
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->ChannelsSplit(2);
        dl->ChannelsSetCurrent(1);
        const ImVec2 start = ImGui::GetCursorScreenPos();
        ImGui::Indent(em * 0.6f);
        ImGui::Dummy(ImVec2(0, em * 0.2f));
        ImGui::PushFont(app.fonts.bold);
        colouredWrapped(pal.deadlock, std::string(pointed ? std::string(kRowMarker) + " " : "") +
                                          "\u26A0 Deadlock (" + d.rule + "): " + d.headline);
        ImGui::PopFont();
        if (pointed && scrollRowNow(focusRow, "verdict-row")) ImGui::SetScrollHereY(0.1f);
        if (d.rule == 'a') {
            ImGui::TextUnformatted("Owner of the mutex:");
            ImGui::SameLine();
            ImGui::PushFont(app.fonts.bold);
            colouredWrapped(pal.deadlock, "thread " + std::to_string(d.ownerNsTid) +
                                              " \u2014 not a thread of this process");
            ImGui::PopFont();
            ImGui::Text("Waiter: thread %d in process %d %s", d.tid, d.pid, d.name.c_str());
        }
        ImGui::TextWrapped("%s", d.explanation.c_str());
        ImGui::PushFont(app.fonts.mono);
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(pal.textDim));
        ImGui::TextWrapped("evidence: %s", d.evidence.c_str());
        ImGui::PopStyleColor();
        ImGui::PopFont();
        drawStack(app, trace, d.event);
        ImGui::Dummy(ImVec2(0, em * 0.2f));
        ImGui::Unindent(em * 0.6f);
        const ImVec2 end(start.x + ImGui::GetContentRegionAvail().x, ImGui::GetCursorScreenPos().y);
        dl->ChannelsSetCurrent(0);
        dl->AddRectFilled(start, end, withAlpha(pal.deadlock, d.pid == focus ? 0.22f : 0.12f),
                          em * 0.3f);
        dl->AddRect(start, end, pal.deadlock, em * 0.3f, 0, d.pid == focus ? 3.0f : 1.5f);
        dl->ChannelsMerge();
        if (pointed) outlineBlock(start, end); // the step's verdict: a second, thick frame
        ImGui::PopID();
        ImGui::Spacing();
    }

    section(app, "Threads waiting on a futex (a mutex, a lock, a condition)");
    if (pane.spoilers.verdict) {
        ImGui::TextDisabled("Hidden until the reveal.");
    } else if (m.waits.empty()) {
        ImGui::TextDisabled("Nobody is seen waiting (waits are read when the sandbox is idle or "
                            "at a lesson step).");
    } else if (ImGui::BeginTable("waits", 5,
                                 ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                     ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("process");
        ImGui::TableSetupColumn("thread");
        ImGui::TableSetupColumn("futex");
        ImGui::TableSetupColumn("kind");
        ImGui::TableSetupColumn("timeout");
        ImGui::TableHeadersRow();
        for (const WaitRow& r : m.waits) {
            ImGui::TableNextRow();
            if (r.pid == focus)
                ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1,
                                       withAlpha(pal.blocked, pal.light ? 0.2f : 0.25f));
            ImGui::TableNextColumn();
            ImGui::Text("%d %s", r.pid, r.name.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%d", r.tid);
            ImGui::TableNextColumn();
            ImGui::PushFont(app.fonts.mono);
            ImGui::TextUnformatted(hex(r.addr).c_str());
            ImGui::PopFont();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.privateFutex ? "private" : "shared");
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip(r.privateFutex
                                      ? "A private futex: only threads of this process can wake it."
                                      : "A shared futex (process-shared mutex or semaphore): "
                                        "another process may wake it.");
            ImGui::TableNextColumn();
            if (r.timeout)
                ImGui::TextUnformatted("yes");
            else
                colouredWrapped(pal.blocked, "none: waits forever");
        }
        ImGui::EndTable();
    }

    section(app, "Named semaphores (/dev/shm)");
    if (m.semaphores.empty()) {
        ImGui::TextDisabled("No named semaphore or shared memory was created up to this step.");
    } else if (ImGui::BeginTable("sems", 5,
                                 ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                     ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("name", 0, 1.0f);
        ImGui::TableSetupColumn("created by", 0, 1.1f);
        ImGui::TableSetupColumn("mapped by", 0, 1.0f);
        ImGui::TableSetupColumn("value", 0, 0.5f);
        ImGui::TableSetupColumn("status", 0, 2.0f);
        ImGui::TableHeadersRow();
        for (const SemRow& s : m.semaphores) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            // The ledger row the step points at (its fate stays masked until the reveal).
            if (rowIs(focusRow, focus, s)) markTableRow(focusRow, "semaphore-row");
            ImGui::PushFont(app.fonts.mono);
            ImGui::TextUnformatted(s.name.c_str());
            ImGui::PopFont();
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("the file /dev/shm/%s", s.file.c_str());
            ImGui::TableNextColumn();
            ImGui::TextWrapped("%s", s.creatorName.c_str());
            ImGui::TableNextColumn();
            if (s.mappedBy.empty()) {
                ImGui::TextDisabled("nobody (seen)");
            } else {
                std::string list;
                for (pid_t p : s.mappedBy) list += (list.empty() ? "" : ", ") + who(w, p);
                ImGui::TextWrapped("%s", list.c_str());
            }
            ImGui::TableNextColumn();
            if (s.value)
                ImGui::Text("%d", *s.value);
            else
                ImGui::TextDisabled("?");
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("The recorder does not read semaphore values yet.");
            ImGui::TableNextColumn();
            if (s.leaked) {
                ImGui::PushFont(app.fonts.bold);
                colouredWrapped(pal.deadlock, "\u2717 " + s.status);
                ImGui::PopFont();
            } else {
                colouredWrapped(s.unlinkedBy ? pal.good : pal.text, s.status);
            }
        }
        ImGui::EndTable();
    }
    ImGui::EndChild();
}

} // namespace forklab::gui
