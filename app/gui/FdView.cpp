#include "app/gui/FdView.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/Spoilers.hpp"
#include "app/gui/StepRow.hpp"
#include "app/gui/Theme.hpp"
#include "core/lessons/PickleReading.hpp"
#include "core/trace/PipeWrites.hpp"

#include <imgui.h>
#include <map>

namespace forklab::gui {
namespace {

const char* accessText(const FdEntry& f) {
    if (f.kind == FdKind::Pipe) return f.access == AccessMode::Write ? "write end" : "read end";
    switch (f.access) {
    case AccessMode::Read:
        return "read";
    case AccessMode::Write:
        return "write";
    case AccessMode::ReadWrite:
        return "read/write";
    }
    return "";
}

// Grouped by process: "5106 parent: fd 3 (r), fd 4 (w) · 5108 child: fd 4 (w)".
std::string endsText(const std::vector<FdEnd>& ends) {
    std::string s;
    pid_t last = 0;
    for (auto& e : ends) {
        if (e.pid != last) {
            if (!s.empty()) s += " \u00b7 ";
            s += std::to_string(e.pid) + " " + e.name + ": ";
            last = e.pid;
        } else {
            s += ", ";
        }
        s += "fd " + std::to_string(e.fd);
        if (e.access == AccessMode::Write)
            s += " (w)";
        else if (e.access == AccessMode::Read)
            s += " (r)";
    }
    return s;
}

// The writer's own pickletools, run once per capture (a reading: the bytes are the fact).
const PickleReading& readingOf(const Trace& trace, const PipeData& d) {
    static std::map<std::tuple<const Trace*, pid_t, std::string, size_t>, PickleReading> cache;
    auto key = std::make_tuple(&trace, d.pid, d.target, d.bytes.size());
    auto it = cache.find(key);
    if (it == cache.end())
        it = cache.emplace(key, readPickles(execedExe(trace, d.pid), d.bytes)).first;
    return it->second;
}

// What was written into the pipes this process holds, as the recorder caught each write
// (CPython's data pipe): above the table, since it is the fact a lesson asks about.
void drawPipeWrites(const App& app, Pane& pane, const CursorWorld& w, pid_t pid, const FdTable& t) {
    const Trace& trace = pane.session->trace();
    for (const PipeData& d : pipeWrites(trace, pane.session->index().pipeWrites(), w.world.upto)) {
        bool holds = d.pid == pid;
        for (auto& r : t.rows) holds |= r.entry.target == d.target;
        if (!holds) continue;
        const std::string head = who(w, d.pid) + " wrote " + std::to_string(d.length) +
                                 " bytes into fd " + std::to_string(d.fd) + " (" + d.target + ")";
        if (pane.spoilers.pending && pane.spoilers.output) {
            ImGui::TextWrapped("%s: %s", head.c_str(), kHiddenText);
            continue;
        }
        ImGui::PushFont(app.fonts.bold);
        ImGui::TextWrapped("%s, caught at the write:", head.c_str());
        ImGui::PopFont();
        ImGui::PushFont(app.fonts.mono);
        ImGui::TextWrapped("%s", hexHead(d.bytes, 24).c_str());
        ImGui::PopFont();
        const std::string id = "read with pickletools##" + d.target;
        if (ImGui::TreeNode(id.c_str())) {
            const PickleReading& r = readingOf(trace, d);
            ImGui::TextDisabled("%s", r.ok ? ("a reading by " + r.tool + ", after the run").c_str()
                                           : "no reading");
            ImGui::PushFont(app.fonts.mono);
            ImGui::BeginChild("pickletools", ImVec2(0, 14 * ImGui::GetFontSize()), true,
                              ImGuiWindowFlags_HorizontalScrollbar);
            ImGui::TextUnformatted(r.text.c_str());
            ImGui::EndChild();
            ImGui::PopFont();
            ImGui::TreePop();
        }
    }
}

} // namespace

void drawFdView(const App& app, Pane& pane, const CursorWorld& w) {
    const Palette& pal = palette();
    const Trace& trace = pane.session->trace();
    const pid_t pid = focusPid(pane, w);
    const FdTable t = fdTable(trace, w, pid, pane.session->index().annotations());
    const ProcessView* p = w.world.find(pid);
    if (!p) {
        ImGui::TextDisabled("Select a process in the tree to see its file descriptors.");
        return;
    }
    ImGui::PushFont(app.fonts.bold);
    ImGui::Text("%s", who(w, p->pid).c_str());
    ImGui::PopFont();
    if (!t.known && t.stopSnapshots) {
        ImGui::SameLine();
        ImGui::TextDisabled("no snapshot of its table yet");
        return;
    }
    if (!t.known) { // a sentence: wrapped under the name, not cut at the panel's edge
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextWrapped("No table: this run was recorded with --no-stop-snapshots, which reads "
                           "one only when the program is idle.");
        ImGui::PopStyleColor();
        return;
    }
    ImGui::SameLine();
    ImGui::TextDisabled("table read %s", t.when.c_str());

    // The diff in words, before the rows.
    int inherited = 0, opened = 0, closedAfterFork = 0;
    const char* inheritedWord = t.setUp ? " set up by forklab, " : " inherited, ";
    for (auto& r : t.rows) {
        if (r.status == FdRow::Status::Open) (r.inherited ? inherited : opened)++;
        if (r.status == FdRow::Status::ClosedAfterFork) ++closedAfterFork;
    }
    std::string summary;
    const ProcessView* parent = w.world.find(t.parent);
    if (t.setUp)
        summary = "forklab's launcher set up its " + std::to_string(t.inheritedCount) +
                  " fds before its exec (stdin, stdout, stderr): the program did not open them. ";
    else if (parent && parent->role == Role::Sandbox)
        summary = "forklab's launcher started it with " + std::to_string(t.inheritedCount) +
                  " fds (stdin/out/err and forklab's own pipe). ";
    else if (parent)
        summary = "At fork it got a copy of its parent's " + std::to_string(t.inheritedCount) +
                  " fds (" + who(w, t.parent) + "). ";
    summary += "Now open: " + std::to_string(inherited) + inheritedWord + std::to_string(opened) +
               " opened here.";
    if (t.execed)
        summary += " Its exec closed " + std::to_string(t.closedByExec) +
                   (t.closedByExec == 1 ? " fd" : " fds") + " marked close-on-exec.";
    if (closedAfterFork)
        summary += " " + std::to_string(closedAfterFork) + " inherited fd" +
                   (closedAfterFork == 1 ? " was" : "s were") + " closed by the program itself.";
    const RowFocus focusRow = stepRow(app, pane);
    bool anyPointed = false;
    for (const FdRow& r : t.rows) anyPointed |= rowIs(focusRow, pid, r);
    const float em = ImGui::GetFontSize();
    // A narrow panel (a projector's scale): three columns, CLOEXEC beside how it got here, the
    // other holders left out, so each row keeps to a line or two.
    const bool narrow = ImGui::GetContentRegionAvail().x / em < 34.0f;
    if (narrow && anyPointed) {
        // The step's row needs the height more: the summary on one line, whole on hover.
        const std::string cut = ellipsize(summary, ImGui::GetContentRegionAvail().x);
        ImGui::TextUnformatted(cut.c_str());
        if (cut != summary && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", summary.c_str());
    } else {
        ImGui::TextWrapped("%s", summary.c_str());
    }
    drawPipeWrites(app, pane, w, pid, t);

    constexpr ImGuiTableFlags kFlags =
        ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_BordersOuter |
        ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("fds", narrow ? 3 : 5, kFlags,
                           ImVec2(0, viewHeight(anyPointed, ImGui::GetContentRegionAvail().y))))
        return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("fd", ImGuiTableColumnFlags_WidthFixed, (narrow ? 2.9f : 3.4f) * em);
    ImGui::TableSetupColumn("what it refers to", ImGuiTableColumnFlags_WidthStretch, 1.6f);
    ImGui::TableSetupColumn("how it got here", ImGuiTableColumnFlags_WidthStretch, 1.1f);
    if (!narrow) {
        ImGui::TableSetupColumn("CLOEXEC", ImGuiTableColumnFlags_WidthFixed, 5.0f * em);
        ImGui::TableSetupColumn("also held by", ImGuiTableColumnFlags_WidthStretch, 1.5f);
    }
    ImGui::TableHeadersRow();
    for (const FdRow& r : t.rows) {
        const bool closed = r.status != FdRow::Status::Open;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        // The row the step points at ("fd closed-by-exec"): marked and scrolled into view.
        const bool pointed = rowIs(focusRow, pid, r);
        if (pointed) markTableRow(focusRow, "fd-row");
        const ImU32 struck = pointed ? pal.text : pal.textDim; // readable on the band
        ImGui::PushFont(app.fonts.mono);
        const std::string num = std::to_string(r.entry.fd);
        if (closed)
            struckText(num.c_str(), struck);
        else
            ImGui::TextUnformatted(num.c_str());
        ImGui::TableNextColumn();
        std::string what = r.entry.target + "  " + accessText(r.entry);
        if (!r.name.empty()) what += "  \u201c" + r.name + "\u201d"; // the program's own name
        if (narrow && !r.name.empty()) what = r.name;
        if (closed)
            struckText(what.c_str(), struck);
        else
            ImGui::TextWrapped("%s", what.c_str());
        ImGui::PopFont();
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("%s\nkind %s, access %s, flags 0%o%s", r.entry.target.c_str(),
                              toString(r.entry.kind), toString(r.entry.access), r.entry.flags,
                              r.entry.inode ? (", inode " + std::to_string(r.entry.inode)).c_str()
                                            : "");
        ImGui::TableNextColumn();
        switch (r.status) {
        case FdRow::Status::ClosedByExec:
            colouredWrapped(pal.deadlock, "\u2717 closed by exec");
            break;
        case FdRow::Status::ClosedAfterFork:
            colouredWrapped(pal.blocked, "\u2717 closed by the program");
            break;
        case FdRow::Status::Open:
            if (r.setUpByForklab)
                ImGui::TextUnformatted("set up by forklab");
            else if (r.inherited)
                ImGui::TextUnformatted("inherited");
            else
                colouredWrapped(pal.good, "opened here");
            break;
        }
        if (narrow) {
            if (r.entry.cloexec) {
                ImGui::PushFont(app.fonts.bold);
                ImGui::TextUnformatted("CLOEXEC");
                ImGui::PopFont();
            }
            continue;
        }
        ImGui::TableNextColumn();
        if (r.entry.cloexec) {
            ImGui::PushFont(app.fonts.bold);
            ImGui::TextUnformatted("yes");
            ImGui::PopFont();
        } else {
            ImGui::TextDisabled("no");
        }
        ImGui::TableNextColumn();
        if (!r.otherEnds.empty()) {
            // A pipe every process shares (a shell's stdout) would fill the panel: four, then
            // the count.
            constexpr size_t kShown = 4;
            const std::vector<FdEnd> few(r.otherEnds.begin(),
                                         r.otherEnds.begin() +
                                             long(std::min(kShown, r.otherEnds.size())));
            std::string ends = endsText(few);
            if (r.otherEndsTotal > few.size())
                ends += " \u2026 and " + std::to_string(r.otherEndsTotal - few.size()) + " more";
            ImGui::TextWrapped("%s", ends.c_str());
        } else if (r.entry.kind == FdKind::Pipe || r.entry.kind == FdKind::Socket)
            ImGui::TextDisabled(closed ? "" : "nobody else");
    }
    ImGui::EndTable();
}

} // namespace forklab::gui
