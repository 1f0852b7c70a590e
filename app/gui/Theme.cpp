#include "app/gui/Theme.hpp"

#include <algorithm>
#include <iterator>

namespace forklab::gui {
namespace {

Palette g_palette;

constexpr ImU32 rgb(unsigned v) {
    return IM_COL32((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff, 0xff);
}

} // namespace

const Palette& palette() {
    return g_palette;
}

ImU32 startColour(StartKind k) {
    return g_palette.start[size_t(k)];
}

ImU32 columnColour(size_t i) {
    return g_palette.column[i % std::size(g_palette.column)];
}

ImU32 textOn(ImU32 fill) {
    // Relative luminance, roughly (WCAG weights on the gamma-encoded channels): black text on
    // light fills, white on dark ones.
    const float r = float((fill >> IM_COL32_R_SHIFT) & 0xff) / 255.0f;
    const float g = float((fill >> IM_COL32_G_SHIFT) & 0xff) / 255.0f;
    const float b = float((fill >> IM_COL32_B_SHIFT) & 0xff) / 255.0f;
    return 0.2126f * r + 0.7152f * g + 0.0722f * b > 0.45f ? IM_COL32_BLACK : IM_COL32_WHITE;
}

ImU32 withAlpha(ImU32 c, float alpha) {
    const unsigned a = unsigned(float((c >> IM_COL32_A_SHIFT) & 0xff) * alpha);
    return (c & ~IM_COL32_A_MASK) | (a << IM_COL32_A_SHIFT);
}

void applyTheme(Theme theme, bool colourBlindSafe, float scale) {
    ImGuiStyle style;
    const bool light = theme != Theme::Dark;
    if (light)
        ImGui::StyleColorsLight(&style);
    else
        ImGui::StyleColorsDark(&style);
    style.WindowRounding = 0.0f;
    style.FrameRounding = 4.0f;
    style.GrabRounding = 4.0f;
    style.ChildRounding = 4.0f;
    style.FramePadding = ImVec2(8.0f, 5.0f);
    style.ItemSpacing = ImVec2(8.0f, 6.0f);
    style.ScrollbarSize = 16.0f;
    style.GrabMinSize = 14.0f;

    Palette& p = g_palette;
    p.light = light;
    p.line = 1.5f;
    // Okabe & Ito (2008): eight colours told apart under the common colour-vision deficiencies.
    // Order: Sandbox, Root, Fork, Spawn, PosixSpawn, Server, ForkserverChild, Tracker.
    if (colourBlindSafe) {
        // Vermillion is kept for deadlocks and kills; the start kinds use the other six.
        const ImU32 s[9] = {rgb(0x8C8C8C),
                            light ? rgb(0xA8A8A8) : rgb(0xBBBBBB),  // (black text on it)
                            light ? rgb(0x2A8FCF) : rgb(0x56B4E9),  // fork: sky blue
                            rgb(0x009E73),                          // spawn: bluish green
                            light ? rgb(0x0072B2) : rgb(0x4A9AD8),  // posix_spawn: blue
                            rgb(0xCC79A7),                          // forkserver: reddish purple
                            light ? rgb(0xB8A800) : rgb(0xF0E442),  // its children: yellow
                            rgb(0xE69F00),                          // tracker: orange
                            light ? rgb(0x00775A) : rgb(0x6FCFB0)}; // fork + exec: pale green
        std::copy(std::begin(s), std::end(s), p.start);
        p.deadlock = rgb(0xD55E00);
        p.blocked = light ? rgb(0x9A6A00) : rgb(0xE6B800);
        p.good = rgb(0x009E73);
    } else {
        const ImU32 s[9] = {rgb(0x888888), light ? rgb(0x444444) : rgb(0xCCCCCC),
                            rgb(0xFF7F0E), rgb(0x2CA02C),
                            rgb(0x17BECF), rgb(0x9467BD),
                            rgb(0x1F77B4), rgb(0xBCBD22),
                            rgb(0x98DF8A)};
        std::copy(std::begin(s), std::end(s), p.start);
        p.deadlock = rgb(0xD62728);
        p.blocked = rgb(0xFFBF00);
        p.good = rgb(0x2CA02C);
    }
    // Compare columns, in every theme: Okabe & Ito's colours without vermillion (deadlocks) and
    // black (text), so a column's highlight is told apart under the common colour-vision
    // deficiencies too; each highlight also carries its column's name.
    {
        const ImU32 c[7] = {light ? rgb(0x2A8FCF) : rgb(0x56B4E9), // sky blue
                            rgb(0xE69F00),                         // orange
                            rgb(0xCC79A7),                         // reddish purple
                            rgb(0x009E73),                         // bluish green
                            light ? rgb(0xB8A800) : rgb(0xF0E442), // yellow
                            light ? rgb(0x0072B2) : rgb(0x4A9AD8), // blue
                            rgb(0x999999)};
        std::copy(std::begin(c), std::end(c), p.column);
    }
    if (theme == Theme::Dark) {
        p.text = rgb(0xF2F2F2);
        p.textDim = rgb(0xA8A8A8);
        p.textOnAccent = rgb(0x000000);
        p.canvas = rgb(0x1B1D22);
        p.card = rgb(0x2B2F38);
        p.cardDim = rgb(0x24262C);
        p.cardBorder = rgb(0x5A5F6A);
        p.selection = rgb(0xFFFFFF);
        p.grid = rgb(0x34373F);
        p.cursor = rgb(0xFFFFFF);
        p.marker = rgb(0x7F8896);
        p.keyMarker = rgb(0xF0E442);
        p.lifeline = rgb(0x3A3E48);
        p.markerText = rgb(0x000000);
        p.focusFill = withAlpha(rgb(0xF0E442), 0.30f);
        p.focusLine = rgb(0xF0E442);
        p.primary = rgb(0xF0E442);
        p.textOnPrimary = rgb(0x000000);
        style.Colors[ImGuiCol_WindowBg] = ImGui::ColorConvertU32ToFloat4(rgb(0x15171B));
        style.Colors[ImGuiCol_ChildBg] = ImGui::ColorConvertU32ToFloat4(p.canvas);
    } else if (theme == Theme::Light) {
        p.text = rgb(0x111111);
        p.textDim = rgb(0x5A5A5A);
        p.textOnAccent = rgb(0x000000);
        p.canvas = rgb(0xFFFFFF);
        p.card = rgb(0xF3F4F6);
        p.cardDim = rgb(0xF7F7F7);
        p.cardBorder = rgb(0x9AA0A8);
        p.selection = rgb(0x000000);
        p.grid = rgb(0xE2E4E8);
        p.cursor = rgb(0x000000);
        p.marker = rgb(0x8A8F98);
        p.keyMarker = rgb(0xB8A800);
        p.lifeline = rgb(0xD5D8DD);
        p.markerText = rgb(0x000000);
        p.focusFill = withAlpha(rgb(0x56B4E9), 0.35f);
        p.focusLine = rgb(0x0072B2);
        p.primary = rgb(0xE8D44D);
        p.textOnPrimary = rgb(0x000000);
        // Frames (radio buttons, inputs) must show on the white panels.
        style.Colors[ImGuiCol_FrameBg] = ImGui::ColorConvertU32ToFloat4(rgb(0xE2E5EA));
        style.FrameBorderSize = 1.0f;
        style.Colors[ImGuiCol_WindowBg] = ImGui::ColorConvertU32ToFloat4(rgb(0xE9EBEF));
        style.Colors[ImGuiCol_ChildBg] = ImGui::ColorConvertU32ToFloat4(p.canvas);
    } else {
        // High contrast: black on white, no greys for meaning, thicker lines and borders.
        p.text = rgb(0x000000);
        p.textDim = rgb(0x222222);
        p.textOnAccent = rgb(0x000000);
        p.canvas = rgb(0xFFFFFF);
        p.card = rgb(0xFFFFFF);
        p.cardDim = rgb(0xFFFFFF);
        p.cardBorder = rgb(0x000000);
        p.selection = rgb(0x000000);
        p.grid = rgb(0xBBBBBB);
        p.cursor = rgb(0x000000);
        p.marker = rgb(0x000000);
        p.keyMarker = rgb(0x000000);
        p.lifeline = rgb(0x777777);
        p.markerText = rgb(0xFFFFFF);
        p.focusFill = rgb(0xFFE600);
        p.focusLine = rgb(0x000000);
        p.primary = rgb(0x000000);
        p.textOnPrimary = rgb(0xFFFFFF);
        p.line = 2.5f;
        style.WindowBorderSize = 2.0f;
        style.ChildBorderSize = 2.0f;
        style.FrameBorderSize = 2.0f;
        style.TabBorderSize = 2.0f;
        style.Colors[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
        style.Colors[ImGuiCol_TextDisabled] = ImVec4(0.15f, 0.15f, 0.15f, 1);
        style.Colors[ImGuiCol_WindowBg] = ImVec4(1, 1, 1, 1);
        style.Colors[ImGuiCol_ChildBg] = ImVec4(1, 1, 1, 1);
        style.Colors[ImGuiCol_PopupBg] = ImVec4(1, 1, 1, 1);
        style.Colors[ImGuiCol_Border] = ImVec4(0, 0, 0, 1);
        style.Colors[ImGuiCol_FrameBg] = ImVec4(1, 1, 1, 1);
        style.Colors[ImGuiCol_Button] = ImVec4(1, 1, 1, 1);
        style.Colors[ImGuiCol_ButtonHovered] = ImVec4(0.85f, 0.85f, 0.85f, 1);
        style.Colors[ImGuiCol_ButtonActive] = ImVec4(0.7f, 0.7f, 0.7f, 1);
        style.Colors[ImGuiCol_Header] = ImVec4(0.85f, 0.85f, 0.85f, 1);
        style.Colors[ImGuiCol_Tab] = ImVec4(1, 1, 1, 1);
        style.Colors[ImGuiCol_TabActive] = ImVec4(0.8f, 0.8f, 0.8f, 1);
        style.Colors[ImGuiCol_TableHeaderBg] = ImVec4(0.85f, 0.85f, 0.85f, 1);
        style.Colors[ImGuiCol_TableBorderStrong] = ImVec4(0, 0, 0, 1);
        // A grey grab: the slider's black label stays readable where it crosses it.
        style.Colors[ImGuiCol_SliderGrab] = ImVec4(0.6f, 0.6f, 0.6f, 1);
        style.Colors[ImGuiCol_SliderGrabActive] = ImVec4(0.5f, 0.5f, 0.5f, 1);
        style.Colors[ImGuiCol_CheckMark] = ImVec4(0, 0, 0, 1);
    }
    style.ScaleAllSizes(scale);
    ImGui::GetStyle() = style;
}

} // namespace forklab::gui
