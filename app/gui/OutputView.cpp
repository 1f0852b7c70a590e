#include "app/gui/OutputView.hpp"

#include "app/gui/Spoilers.hpp"
#include "app/gui/StepRow.hpp"
#include "app/gui/Theme.hpp"

#include <algorithm>
#include <imgui.h>

namespace forklab::gui {

std::vector<OutputLine> outputOf(Session& s, pid_t pid, size_t max) {
    const Trace& trace = s.trace();
    const auto& evs = s.index().track(pid);
    const auto end = std::lower_bound(evs.begin(), evs.end(), s.cursor());
    std::vector<OutputLine> out;
    for (auto it = end; it != evs.begin() && out.size() < max;) {
        --it;
        const Event& e = trace[*it];
        if (e.kind != EventKind::Output || e.pid != pid) continue;
        auto& o = e.as<ev::Output>();
        std::string text(trace.str(o.text));
        if (!text.empty() && text.back() == '\n') text.pop_back(); // one line per write
        if (o.notKept) text = "… " + std::to_string(o.notKept) + " more bytes, not kept";
        out.push_back(OutputLine{*it, o.fd, text + (o.truncated && !o.notKept ? "…" : "")});
    }
    std::reverse(out.begin(), out.end());
    return out;
}

void drawOutputView(const App& app, Pane& pane, const CursorWorld& w) {
    const pid_t pid = focusPid(pane, w);
    const bool hidden = outputHidden(pane.spoilers, w, pid);
    const auto lines = hidden ? std::vector<OutputLine>{} : outputOf(*pane.session, pid);
    ImGui::TextDisabled(
        "What %s wrote (fd 1 and 2, as the kernel saw the writes), up to this step:",
        who(w, pid).c_str());
    // The line the step points at (the child's printed value): filled, marked, scrolled to.
    const RowFocus focusRow = stepRow(app, pane);
    const int pointed = outputRowIndex(focusRow, pid, lines);
    ImGui::BeginChild("output", ImVec2(0, viewHeight(pointed >= 0, 0)), true);
    ImGui::PushFont(app.fonts.mono);
    if (hidden)
        ImGui::TextDisabled("%s", kHiddenText);
    else if (lines.empty()) {
        // Nothing from this one: what the others wrote, so the first look is not empty.
        int shown = 0;
        for (size_t i = 0; i < pane.tree.nodes.size() && i < 64 && shown < 40; ++i) {
            const pid_t other = pane.tree.nodes[i].proc->pid;
            if (other == pid || outputHidden(pane.spoilers, w, other)) continue;
            const auto theirs = outputOf(*pane.session, other, 10);
            if (theirs.empty()) continue;
            if (shown == 0) {
                ImGui::PopFont();
                ImGui::TextDisabled("Nothing from this process yet. The others wrote:");
                ImGui::PushFont(app.fonts.mono);
            }
            for (auto& l : theirs) {
                ImGui::TextDisabled("%s:", who(w, other).c_str());
                ImGui::SameLine();
                ImGui::TextUnformatted(l.text.c_str());
                ++shown;
            }
        }
        if (shown == 0) ImGui::TextDisabled("nothing yet");
    }
    for (size_t i = 0; i < lines.size(); ++i) {
        const OutputLine& l = lines[i];
        if (int(i) == pointed) {
            const Palette& pal = palette();
            const float em = ImGui::GetFontSize();
            const ImVec2 p = ImGui::GetCursorScreenPos();
            const float h = ImGui::CalcTextSize(l.text.c_str()).y;
            ImDrawList* dl = ImGui::GetWindowDrawList();
            dl->AddRectFilled(ImVec2(p.x - 0.3f * em, p.y - 1),
                              ImVec2(p.x + ImGui::GetContentRegionAvail().x, p.y + h + 1),
                              pal.focusFill);
            dl->AddRectFilled(ImVec2(p.x - 0.3f * em, p.y - 1), ImVec2(p.x, p.y + h + 1),
                              pal.focusLine);
            ImGui::TextUnformatted(kRowMarker);
            if (scrollRowNow(focusRow, "output-row")) ImGui::SetScrollHereY(0.5f); // its line
            ImGui::SameLine(0, 0.3f * em);
        }
        if (l.fd == 2)
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette().deadlock), "%s",
                               l.text.c_str());
        else
            ImGui::TextUnformatted(l.text.c_str());
    }
    ImGui::PopFont();
    ImGui::EndChild();
}

} // namespace forklab::gui
