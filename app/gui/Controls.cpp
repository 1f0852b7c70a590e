#include "app/gui/Controls.hpp"

#include "app/gui/CompareView.hpp"
#include "app/gui/Draw.hpp"
#include "app/gui/FileMenu.hpp"
#include "app/gui/Theme.hpp"

#include <algorithm>
#include <imgui.h>
#include <imgui_stdlib.h>
#include <vector>

namespace forklab::gui {
namespace {

// GLFW key codes (GLFW/glfw3.h), as the key callback reports them.
constexpr int kKeySpace = 32, kKeyR = 'R', kKeyP = 'P', kKeyB = 'B', kKey1 = '1', kKey3 = '3',
              kKeyRight = 262, kKeyLeft = 263, kKeyDown = 264, kKeyUp = 265, kKeyPageUp = 266,
              kKeyPageDown = 267, kKeyHome = 268, kKeyEnd = 269;
constexpr int kModShift = 1, kModControl = 2, kModAlt = 4, kModSuper = 8;

std::vector<int>& pressedKeys() {
    static std::vector<int> keys; // only the GUI thread touches it
    return keys;
}

bool primaryButton(const char* text, bool enabled = true) {
    const Palette& pal = palette();
    ImGui::BeginDisabled(!enabled);
    ImGui::PushStyleColor(ImGuiCol_Button, withAlpha(pal.primary, 0.85f));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, pal.primary);
    ImGui::PushStyleColor(ImGuiCol_ButtonActive, withAlpha(pal.primary, 0.7f));
    ImGui::PushStyleColor(ImGuiCol_Text, pal.textOnPrimary);
    const bool pressed = ImGui::Button(text);
    ImGui::PopStyleColor(4);
    ImGui::EndDisabled();
    return pressed;
}

bool button(const char* text, bool enabled, const char* tip) {
    ImGui::BeginDisabled(!enabled);
    const bool pressed = ImGui::Button(text);
    ImGui::EndDisabled();
    if (tip && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("%s", tip);
    return pressed;
}

std::string statusText(const App& app) {
    if (app.panes.empty()) return "nothing recorded yet";
    if (app.panes.size() > 1) { // compare mode: every column says how it is
        std::string all;
        for (auto& p : app.panes)
            all +=
                (all.empty() ? "" : " \u00b7 ") +
                (!p.version.empty() ? p.version
                                    : std::string(p.method >= 0 ? kMethodNames[p.method] : "?")) +
                ": " + paneStatus(p);
        return all;
    }
    const Session& s = *app.panes.front().session;
    if (!s.error().empty()) return "could not start: " + s.error();
    if (app.anyHeld()) return "\u25CF held at a step: press Next step (Space)";
    if (app.anyLive()) return "\u25CF recording\u2026";
    const Trace& t = s.trace();
    if (s.recording() && !t.finished())
        return "the recorder stopped without an end: the sandbox could not start the program";
    if (t.finished()) {
        const auto& end = t[t.size() - 1].as<ev::RunEnd>();
        return "finished: exit code " + std::to_string(end.exitCode) + " (" + toString(end.reason) +
               ")";
    }
    return "stopped";
}

} // namespace

void queueKeyPress(int glfwKey, int mods) {
    if (mods & (kModControl | kModAlt | kModSuper)) return; // Ctrl+O, Ctrl+E… are the menus'
    (void)kModShift;
    if (pressedKeys().size() < 64) pressedKeys().push_back(glfwKey);
}

void handleKeys(App& app) {
    std::vector<int> keys;
    keys.swap(pressedKeys());
    const ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput) return; // typing a command or a path
    for (int key : keys) {
        switch (key) {
        case kKeySpace:
        case kKeyPageDown: // a presenter clicker's "next"
            app.next();
            break;
        case kKeyPageUp: // ... and its "back"
        case kKeyLeft:
        case kKeyUp:
            app.back();
            break;
        case kKeyRight:
        case kKeyDown:
            app.forward();
            break;
        case kKeyHome:
            app.first();
            break;
        case kKeyEnd:
            app.last();
            break;
        case kKeyR:
            app.run();
            break;
        case kKeyP:
            app.present = !app.presenting();
            break;
        case kKeyB: // what a presenter clicker's blank key sends
            app.blank = !app.blank;
            break;
        case 'C': // the process tree as boxes or as one row per process
            app.compactTree = !app.compactTree;
            break;
        case 'S': // compare mode: the Source panel with every column's line
            if (app.columns()) app.compareSource.shown = !compareSourceShown(app);
            break;
        case 'Z': // the timeline shows the current step's span
            for (auto& p : app.panes) p.timeline.zoomToStep = true;
            break;
        default:
            if (key >= kKey1 && key <= kKey3) app.tabRequest = DetailTab(key - kKey1); // 1 2 3
            break;
        }
    }
}

namespace {

float buttonWidth(const char* text) {
    return ImGui::CalcTextSize(text, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
}

// The next group of `width` pixels goes on this line if it fits, else on a new one: at display
// scale 2 or 3 the bar wraps instead of drawing buttons over each other.
void flow(float width) {
    ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
}

} // namespace

namespace {

// Presentation mode: one line. The lesson and method, Back / Next, where we are, the status,
// then Display… and the way back to every control.
void drawPresentBar(App& app) {
    const Palette& pal = palette();
    const float em = ImGui::GetFontSize();
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const bool have = !app.panes.empty();
    if (ImGui::Button("Controls")) app.present = false;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Show every control (P)");
    ImGui::SameLine();
    if (button("\u25C0", have, "One step back (\u2190, PgUp)")) app.back();
    ImGui::SameLine();
    if (primaryButton("Next \u25B6", have || app.lessonMode())) app.next();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Next step (Space, PgDn)");
    ImGui::SameLine();
    std::string where;
    if (have) {
        Session& s = *app.panes.front().session;
        const bool lesson = app.lessonMode() && !s.index().markers().empty();
        const size_t at = lesson ? s.index().markersBefore(s.cursor()) : s.currentStep();
        const size_t of = lesson ? s.index().markers().size() : s.index().steps().size();
        where = (lesson ? "step " : "event ") + std::to_string(at) + "/" + std::to_string(of);
    }
    std::string what = app.programSource ? std::string("program") : app.lesson;
    if (app.lessonMode())
        what += app.compare           ? " \u00b7 compare"
                : app.compareVersions ? std::string(" \u00b7 ") + kMethodNames[app.method] +
                                            " \u00b7 compare versions"
                                      : std::string(" \u00b7 ") + kMethodNames[app.method];
    const std::string status = statusText(app);
    const float displayW = buttonWidth("Display\u2026");
    const float right = ImGui::GetWindowContentRegionMax().x;
    const float room = right - ImGui::GetCursorPosX() - displayW - gap * 2;
    ImGui::AlignTextToFramePadding();
    const std::string line =
        where + (where.empty() ? "" : "  \u00b7  ") + what + "  \u00b7  " + status;
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(app.anyHeld() ? pal.blocked : pal.textDim),
                       "%s", ellipsize(line, std::max(em, room)).c_str());
    ImGui::SameLine();
    ImGui::SetCursorPosX(right - displayW);
    if (ImGui::Button("Display\u2026") || app.displayRequest) ImGui::OpenPopup("settings");
    app.displayRequest = false;
    drawSettingsPopup(app);
    if (!app.message.empty()) colouredWrapped(pal.deadlock, app.message);
}

} // namespace

void drawControls(App& app) {
    if (app.presenting()) {
        drawPresentBar(app);
        return;
    }
    const Palette& pal = palette();
    const ImGuiStyle& style = ImGui::GetStyle();
    const float em = ImGui::GetFontSize();
    const float gap = style.ItemSpacing.x;

    // What to run.
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Show");
    ImGui::SameLine();
    std::string preview = "Run a program\u2026";
    if (!app.programSource)
        for (auto& l : app.catalogue)
            if (l.id == app.lesson) preview = l.title;
    const float comboW = std::min(17.0f * em, ImGui::GetContentRegionAvail().x);
    ImGui::SetNextItemWidth(comboW);
    // A title too long for the box loses whole words, never half of one.
    const float textW = comboW - ImGui::GetFrameHeight() - ImGui::GetStyle().FramePadding.x * 2;
    if (ImGui::CalcTextSize(preview.c_str()).x > textW) {
        std::string cut = preview;
        while (!cut.empty() && ImGui::CalcTextSize((cut + "\u2026").c_str()).x > textW) {
            const auto space = cut.find_last_of(' ');
            if (space == std::string::npos) break;
            cut.erase(space);
            while (!cut.empty() && (cut.back() == ':' || cut.back() == ',')) cut.pop_back();
        }
        preview = cut + "\u2026";
    }
    // Tall enough for every lesson and "Run a program…" without scrolling.
    if (ImGui::BeginCombo("##what", preview.c_str(), ImGuiComboFlags_HeightLarge)) {
        for (auto& l : app.catalogue) {
            // A Python lesson without a CPython here: listed, greyed, with the reason.
            const std::string why = lessonUnavailable(l);
            ImGui::BeginDisabled(!why.empty());
            if (ImGui::Selectable(l.title.c_str(), !app.programSource && l.id == app.lesson)) {
                app.chooseLesson(l.id);
            }
            ImGui::EndDisabled();
            if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled) &&
                !(l.summary.empty() && why.empty()))
                ImGui::SetTooltip("%s", (why.empty() ? l.summary : "Not here: " + why).c_str());
        }
        if (!app.catalogue.empty()) ImGui::Separator();
        if (ImGui::Selectable("Run a program\u2026", app.programSource)) {
            app.programSource = true;
            app.settings.programSource = true;
            app.settingsChanged = true;
        }
        ImGui::EndCombo();
    }
    if (app.lessonMode()) {
        float methodsW = 0;
        for (const char* m : kMethodNames) methodsW += buttonWidth(m) + 2.0f;
        flow(methodsW);
        ImGui::BeginDisabled(app.compare);
        for (int m = 0; m < 3; ++m) {
            if (m) ImGui::SameLine(0, 2.0f);
            const bool on = app.method == m;
            if (on)
                ImGui::PushStyleColor(ImGuiCol_Button,
                                      ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
            if (ImGui::Button(kMethodNames[m])) {
                app.method = m;
                app.settings.method = kMethodNames[m];
                app.settingsChanged = true;
            }
            if (on) ImGui::PopStyleColor();
        }
        ImGui::EndDisabled();
        flow(ImGui::GetFrameHeight() + buttonWidth("compare all three"));
        if (ImGui::Checkbox("compare all three", &app.compare) && app.compare)
            app.compareVersions = false;
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Run the lesson under fork, spawn and forkserver side by side,\n"
                              "stepped together.");
        // A lesson CPython plays: the same method under every CPython found on this machine.
        const Lesson* l = findLesson(app.lesson);
        if (l && l->python()) {
            flow(ImGui::GetFrameHeight() + buttonWidth("compare versions"));
            if (ImGui::Checkbox("compare versions", &app.compareVersions) && app.compareVersions)
                app.compare = false;
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("Run the lesson under this method with every CPython found\n"
                                  "(PATH, python3.X, pyenv), one column each, stepped together.");
        }
    } else {
        flow(14.0f * em);
        ImGui::SetNextItemWidth(
            std::max(14.0f * em, ImGui::GetContentRegionAvail().x - 40.0f * em));
        ImGui::InputTextWithHint("##command", "program and arguments, e.g. python3 my.py",
                                 &app.command);
        if (ImGui::IsItemDeactivatedAfterEdit()) {
            app.commandArgv.clear(); // typed: the text wins over the command line's argv
            app.settings.command = app.command;
            app.settingsChanged = true;
        }
    }

    // Run, Pause, Restart.
    const bool live = app.anyLive();
    bool paused = false;
    for (auto& p : app.panes) paused |= !p.session->following();
    flow(buttonWidth("\u25B6 Running") + buttonWidth("Pause") + buttonWidth("\u21BB Restart") +
         gap * 2);
    if (live && paused) {
        if (primaryButton("\u25B6 Resume")) app.last();
    } else if (primaryButton(live ? "\u25B6 Running" : "\u25B6 Run", !live)) {
        app.run();
    }
    ImGui::SameLine();
    if (button("Pause", live && !paused,
               "Freeze the view at this step (the recording goes on; Resume catches up)"))
        app.pause();
    ImGui::SameLine();
    if (button("\u21BB Restart", !app.panes.empty() || !app.lesson.empty() || app.programSource,
               "Run it again from the start (R)"))
        app.run();

    // Status, then the presentation settings at the right edge.
    const std::string status = statusText(app);
    const float displayW = buttonWidth("Display\u2026");
    const float statusW = ImGui::CalcTextSize(status.c_str()).x;
    flow(std::min(statusW, 16.0f * em) + displayW + gap * 2);
    const float right = ImGui::GetWindowContentRegionMax().x;
    const float statusX = std::max(ImGui::GetCursorPosX(), right - displayW - statusW - gap * 2);
    ImGui::SetCursorPosX(statusX);
    ImGui::AlignTextToFramePadding();
    const Session* first = app.panes.empty() ? nullptr : app.panes.front().session.get();
    const bool bad = first && (!first->error().empty() || (first->recording() && !first->live() &&
                                                           !first->trace().finished()));
    ImGui::TextColored(
        ImGui::ColorConvertU32ToFloat4(bad             ? pal.deadlock
                                       : app.anyHeld() ? pal.blocked
                                                       : pal.textDim),
        "%s", ellipsize(status, std::max(em, right - displayW - gap * 2 - statusX)).c_str());
    ImGui::SameLine();
    ImGui::SetCursorPosX(right - displayW);
    if (ImGui::Button("Display\u2026") || app.displayRequest) ImGui::OpenPopup("settings");
    app.displayRequest = false;
    drawSettingsPopup(app);

    // Stepping over the recording.
    const bool have = !app.panes.empty();
    if (button("|\u25C0 First", have, "The first step (Home)")) app.first();
    ImGui::SameLine();
    if (button("\u25C0 Back", have, "One step back (\u2190)")) app.back();
    ImGui::SameLine();
    const char* nextTip = app.lessonMode()
                              ? "The next lesson step; live, let the sandbox run to it (Space)"
                              : "The next kernel event worth showing (Space)";
    if (primaryButton("Next step \u25B6", have || app.lessonMode())) app.next();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", nextTip);
    flow(buttonWidth("Forward \u25B6") + buttonWidth("Last \u25B6|") + gap);
    if (button("Forward \u25B6", have, "One step forward (\u2192)")) app.forward();
    ImGui::SameLine();
    if (button("Last \u25B6|", have, "The newest step; live, follow the recording (End)"))
        app.last();
    // Then the slider over the recording, and at the right edge Open… Export… PNG.
    const float filesW = fileButtonsWidth();
    if (have) {
        flow(16.0f * em + gap + filesW);
        Session& s = *app.panes.front().session;
        const bool byMarker = app.columns();
        const auto& list =
            byMarker && !s.index().markers().empty() ? s.index().markers() : s.index().steps();
        int total = int(list.size());
        int cur = int(byMarker ? s.index().markersBefore(s.cursor()) : s.currentStep());
        char label[96];
        const bool atLiveEnd = s.following() && live;
        if (app.lessonMode() && !byMarker)
            std::snprintf(label, sizeof label, "lesson step %zu of %zu \u00b7 event %d of %d%s",
                          s.index().markersBefore(s.cursor()), s.index().markers().size(), cur,
                          total, atLiveEnd ? " (live)" : "");
        else
            std::snprintf(label, sizeof label, "%s %d of %d%s", byMarker ? "lesson step" : "step",
                          cur, total, atLiveEnd ? " (live)" : "");
        // The words sit beside the slider, never over its grab (where they could not be read).
        const float room = ImGui::GetContentRegionAvail().x - filesW - gap;
        const float spacing = ImGui::GetStyle().ItemSpacing.x;
        if (ImGui::CalcTextSize(label).x + spacing > room - 6.0f * em)
            std::snprintf(label, sizeof label, "%d/%d%s", cur, total, atLiveEnd ? " live" : "");
        const float labelW = ImGui::CalcTextSize(label).x;
        ImGui::SetNextItemWidth(std::max(4.0f * em, room - labelW - spacing));
        if (ImGui::SliderInt("##step", &cur, total ? 1 : 0, total, "")) app.gotoStep(size_t(cur));
        ImGui::SameLine();
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(label);
        ImGui::SameLine();
    } else {
        flow(filesW);
    }
    ImGui::SetCursorPosX(ImGui::GetWindowContentRegionMax().x - filesW);
    drawFileButtons(app);
    if (!app.message.empty()) colouredWrapped(pal.deadlock, app.message);
    drawFileNotice(app);
}

void drawSettingsPopup(App& app) {
    // Never larger than the window (at display scale 3 its lines wrap, and it scrolls).
    const ImVec2 work = ImGui::GetMainViewport()->WorkSize;
    ImGui::SetNextWindowSizeConstraints(ImVec2(0, 0), ImVec2(work.x * 0.96f, work.y * 0.9f));
    if (!ImGui::BeginPopup("settings")) return;
    ImGui::PushTextWrapPos(work.x * 0.9f);
    Settings& s = app.settings;
    ImGui::PushFont(app.fonts.bold);
    ImGui::TextUnformatted("Presentation");
    ImGui::PopFont();
    ImGui::TextUnformatted("Display scale");
    for (float f : {1.0f, 1.5f, 2.0f, 2.5f, 3.0f}) {
        ImGui::SameLine();
        char text[16];
        std::snprintf(text, sizeof text, "%g\u00d7", double(f));
        const bool on = s.scale == f;
        if (on)
            ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
        if (ImGui::Button(text) && !on) {
            s.scale = f;
            app.fontsDirty = true;
            app.settingsChanged = true;
        }
        if (on) ImGui::PopStyleColor();
    }
    int theme = int(s.theme);
    bool changed = false;
    changed |= ImGui::RadioButton("Dark", &theme, int(Theme::Dark));
    ImGui::SameLine();
    changed |= ImGui::RadioButton("Light (projector)", &theme, int(Theme::Light));
    ImGui::SameLine();
    changed |= ImGui::RadioButton("High contrast", &theme, int(Theme::HighContrast));
    s.theme = Theme(theme);
    changed |= ImGui::Checkbox("Colour-blind-safe palette (Okabe\u2013Ito)", &s.colourBlindSafe);
    bool present = app.presenting();
    if (ImGui::Checkbox("Presentation mode: one thin bar of controls (P)", &present))
        app.present = present;
    ImGui::Separator();
    changed |= ImGui::Checkbox("Live lessons stop at each step until Next", &s.holdAtSteps);
    changed |= ImGui::Checkbox("Show forklab's own sandbox processes in the tree", &s.showSandbox);
    changed |= ImGui::Checkbox("Leave exited processes out of the tree (a pyenv shim's helpers)",
                               &s.hideExited);
    if (changed) app.settingsChanged = true;
    ImGui::Separator();
    const std::string path = settingsPath();
    if (app.testMode)
        ImGui::TextDisabled("Test mode: settings are not saved.");
    else if (path.empty())
        ImGui::TextDisabled("Settings are not saved (no HOME).");
    else
        ImGui::TextDisabled("Saved in %s", path.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndPopup();
}

} // namespace forklab::gui
