#include "app/gui/LessonView.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/Spoilers.hpp"
#include "app/gui/Theme.hpp"

#include <algorithm>
#include <imgui.h>

namespace forklab::gui {

NarrationShown narrationAt(const App& app, Pane& pane) {
    NarrationShown n;
    Session& s = *pane.session;
    const Trace& trace = s.trace();
    const TraceIndex& index = s.index();
    const size_t cursor = s.cursor();
    const bool done = trace.finished();

    if (auto e = s.currentEvent()) n.event = describeEvent(trace, s.world(), *e);
    const size_t markers = index.markersBefore(cursor);
    if (app.lessonMode() && app.narration) {
        const Narration& nar = *app.narration;
        n.title = nar.title;
        std::string label;
        if (markers > 0)
            label =
                std::string(trace.str(trace[index.markers()[markers - 1]].as<ev::Marker>().label));
        n.stepLine = markers == 0
                         ? "Before the first step"
                         : "Step " + std::to_string(markers) +
                               (done ? " of " + std::to_string(index.markers().size()) : "") +
                               ": " + label;
        if (markers == 0) {
            n.text = nar.intro;
        } else {
            auto it = nar.steps.find(label);
            n.text = it != nar.steps.end() ? it->second : std::string();
        }
        // The question stays up through the key step itself ("make your prediction, then press
        // Next"); the answer comes with the first step after it.
        // Live, the answer waits for the next lesson step or the end of the run.
        const auto key = index.key();
        const auto shown = s.currentEvent();
        const size_t keyOrdinal = key ? index.markersBefore(*key + 1) : 0;
        n.beforeKey = !key || !shown || *shown <= *key ||
                      (!done && index.markersBefore(cursor) <= keyOrdinal);
        if (!nar.question.empty()) {
            n.question = nar.question;
            n.choices = nar.choices;
            if (!n.beforeKey || (!key && done && app.revealed)) n.reveal = nar.reveal;
        }
        // What to notice under this method tells the answer: it comes with the reveal.
        const bool pending = !n.question.empty() && n.reveal.empty();
        if (pane.method >= 0 && pane.method < 3 && !pending)
            n.perMethod = nar.perMethod[pane.method];
        if (auto e = s.currentEvent();
            e && eventHidden(declaredSpoilers(nar.spoilers, pending), trace[*e]))
            n.event = kHiddenText;
        return n;
    }
    n.title = s.title();
    const size_t steps = index.stepsBefore(cursor);
    n.stepLine = steps == 0 ? "Before the first step"
                            : "Step " + std::to_string(steps) +
                                  (done ? " of " + std::to_string(index.steps().size()) : "");
    if (app.lessonMode() && !app.narrationError.empty()) n.text = app.narrationError;
    return n;
}

namespace {

// Any program has no lesson text: the steps around the cursor, told as the story tells them,
// are the narration. Clicking one goes there.
void drawStepList(Pane& pane) {
    Session& s = *pane.session;
    const auto& steps = s.index().steps();
    if (steps.empty()) return;
    const size_t current = s.currentStep(); // 1-based, 0 = before the first
    const size_t from = current > 4 ? current - 4 : 0;
    const size_t to = std::min(steps.size(), from + 12);
    ImGui::Spacing();
    for (size_t k = from; k < to; ++k) {
        const std::string text =
            std::to_string(k + 1) + ". " + describeEvent(s.trace(), s.world(), steps[k]);
        ImGui::PushID(int(k));
        const bool here = k + 1 == current;
        if (!here && k + 1 > current)
            ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        if (ImGui::Selectable(text.c_str(), here)) s.setCursor(s.stepEnd(steps[k]));
        if (!here && k + 1 > current) ImGui::PopStyleColor();
        ImGui::PopID();
    }
}

} // namespace

void drawLessonView(App& app, Pane& pane, bool perMethod) {
    const Palette& pal = palette();
    const NarrationShown n = narrationAt(app, pane);
    // The big heading only where it fits on a line or two (not at display scale 3 in a column).
    const bool roomy = ImGui::GetContentRegionAvail().x / ImGui::GetFontSize() > 30.0f;
    ImGui::PushFont(roomy ? app.fonts.heading : app.fonts.bold);
    ImGui::TextWrapped("%s", n.title.c_str());
    ImGui::PopFont();
    ImGui::PushFont(app.fonts.bold);
    ImGui::TextWrapped("%s", n.stepLine.c_str());
    ImGui::PopFont();
    if (!n.text.empty()) ImGui::TextWrapped("%s", n.text.c_str());
    if (!n.event.empty()) {
        ImGui::Spacing();
        ImGui::TextDisabled("The kernel shows:");
        // Beside its label only where the text keeps a wide column (a wrapped item's lines
        // start where its first did: at scale 3 that left three words a line).
        if (ImGui::GetContentRegionAvail().x / ImGui::GetFontSize() > 40.0f) ImGui::SameLine();
        ImGui::TextWrapped("%s", n.event.c_str());
    }
    if (!app.lessonMode()) drawStepList(pane);
    if (!n.question.empty()) {
        ImGui::Spacing();
        ImGui::Separator();
        ImGui::PushFont(app.fonts.bold);
        colouredWrapped(pal.keyMarker == pal.text ? pal.text : pal.blocked,
                        !n.reveal.empty() && app.predictChoice >= 0 ? "You predicted:"
                        : !n.reveal.empty()                         ? "The question was:"
                                            : "Predict before the key step:");
        ImGui::PopFont();
        ImGui::TextWrapped("%s", n.question.c_str());
        for (size_t i = 0; i < n.choices.size(); ++i) {
            if (n.reveal.empty()) {
                ImGui::RadioButton(n.choices[i].c_str(), &app.predictChoice, int(i));
            } else {
                const bool mine = app.predictChoice == int(i);
                ImGui::BulletText("%s%s", n.choices[i].c_str(), mine ? "   \u2190 your guess" : "");
            }
        }
        if (n.reveal.empty()) {
            const bool done = pane.session->trace().finished();
            if (done && !pane.session->index().key()) {
                if (ImGui::Button("Reveal")) app.revealed = true;
            } else {
                ImGui::TextDisabled("Press Next to see what really happens.");
            }
        } else {
            ImGui::PushFont(app.fonts.bold);
            ImGui::TextUnformatted("What happened:");
            ImGui::PopFont();
            ImGui::TextWrapped("%s", n.reveal.c_str());
        }
    }
    if (perMethod && !n.perMethod.empty()) {
        ImGui::Spacing();
        ImGui::Separator();
        ImGui::PushFont(app.fonts.bold);
        ImGui::Text("Under %s:", kMethodNames[pane.method]);
        ImGui::PopFont();
        ImGui::TextWrapped("%s", n.perMethod.c_str());
    }
}

} // namespace forklab::gui
