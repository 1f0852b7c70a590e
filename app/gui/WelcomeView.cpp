#include "app/gui/WelcomeView.hpp"

#include <imgui.h>

namespace forklab {

void drawWelcomeView(const GuiFonts& fonts, const WelcomeInfo& info) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    constexpr ImGuiWindowFlags kFlags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                        ImGuiWindowFlags_NoSavedSettings |
                                        ImGuiWindowFlags_NoBringToFrontOnFocus;
    if (ImGui::Begin("forklab##welcome", nullptr, kFlags)) {
        ImGui::PushFont(fonts.heading);
        ImGui::TextUnformatted("forklab \u2014 how processes are started");
        ImGui::PopFont();
        ImGui::Separator();
        ImGui::Spacing();

        ImGui::TextWrapped("The recording engine is ready. The lesson views of this window are "
                           "not built yet; until then, a terminal shows a recording as a story:");
        ImGui::Spacing();
        ImGui::Indent();
        ImGui::TextUnformatted("forklab trace -- CMD");
        ImGui::SameLine();
        ImGui::TextDisabled("records any program and tells the story of its processes");
        ImGui::Unindent();

        // What this window is actually drawing with: useful when a classroom projector misbehaves.
        const float footer = ImGui::GetTextLineHeightWithSpacing();
        const float available = ImGui::GetContentRegionAvail().y;
        if (available > footer) ImGui::Dummy(ImVec2(0.0f, available - footer));
        ImGui::TextDisabled("OpenGL %s on %s", info.glVersion.c_str(), info.glRenderer.c_str());
    }
    ImGui::End();
}

} // namespace forklab
