#include "app/gui/Draw.hpp"

#include <cmath>

namespace forklab::gui {

std::string ellipsize(const std::string& text, float width) {
    if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
    const float dots = ImGui::CalcTextSize("…").x;
    // Byte-wise shortening must not cut a UTF-8 sequence in half.
    size_t n = text.size();
    while (n > 0) {
        --n;
        while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
        if (ImGui::CalcTextSize(text.data(), text.data() + n).x + dots <= width) break;
    }
    return text.substr(0, n) + "…";
}

ImVec2 pillSize(const char* text) {
    const ImVec2 t = ImGui::CalcTextSize(text);
    const float padX = ImGui::GetFontSize() * 0.4f, padY = ImGui::GetFontSize() * 0.08f;
    return ImVec2(t.x + 2 * padX, t.y + 2 * padY);
}

ImVec2 pill(ImDrawList* dl, ImVec2 pos, const char* text, ImU32 fill, ImU32 textColour,
            bool outline) {
    const ImVec2 size = pillSize(text);
    const float r = size.y * 0.5f;
    const ImVec2 end(pos.x + size.x, pos.y + size.y);
    if (outline)
        dl->AddRect(pos, end, fill, r, 0, std::fmax(1.5f, ImGui::GetFontSize() * 0.1f));
    else
        dl->AddRectFilled(pos, end, fill, r);
    const float padX = ImGui::GetFontSize() * 0.4f, padY = ImGui::GetFontSize() * 0.08f;
    dl->AddText(ImVec2(pos.x + padX, pos.y + padY), outline ? fill : textColour, text);
    return size;
}

void arrowHead(ImDrawList* dl, ImVec2 tip, ImVec2 dir, float size, ImU32 colour) {
    const float len = std::sqrt(dir.x * dir.x + dir.y * dir.y);
    if (len <= 0) return;
    const ImVec2 d(dir.x / len, dir.y / len), n(-d.y, d.x);
    const ImVec2 base(tip.x - d.x * size, tip.y - d.y * size);
    dl->AddTriangleFilled(tip, ImVec2(base.x + n.x * size * 0.55f, base.y + n.y * size * 0.55f),
                          ImVec2(base.x - n.x * size * 0.55f, base.y - n.y * size * 0.55f), colour);
}

void struckText(const char* text, ImU32 colour) {
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(text);
    ImGui::PopStyleColor();
    const ImVec2 size = ImGui::CalcTextSize(text);
    const float y = pos.y + size.y * 0.55f;
    ImGui::GetWindowDrawList()->AddLine(ImVec2(pos.x, y), ImVec2(pos.x + size.x, y), colour,
                                        std::fmax(1.0f, ImGui::GetFontSize() * 0.08f));
}

void helpMarker(const char* text) {
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
        ImGui::TextUnformatted(text);
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
}

void colouredWrapped(ImU32 colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
}

} // namespace forklab::gui
