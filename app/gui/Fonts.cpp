#include "app/gui/Fonts.hpp"

#include <imgui.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace forklab {
namespace {

constexpr const char* kBodyFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kHeadingFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
constexpr const char* kMonoFont = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
constexpr float kBodyPixels = 16.0f;
constexpr float kHeadingPixels = 24.0f;
constexpr float kDefaultFontPixels = 13.0f; // ProggyClean's native size

// Latin plus the typography and symbols the lessons use (— … ← → ↳ ✓ ✗, box drawing for trees).
// ImGui keeps a pointer to this array until the atlas is built, hence static storage.
constexpr ImWchar kGlyphRanges[] = {
    0x0020, 0x00FF, // Basic Latin + Latin-1 Supplement
    0x0100, 0x017F, // Latin Extended-A
    0x2010, 0x205E, // General Punctuation (dashes, quotes, ellipsis, bullet)
    0x2190, 0x21FF, // Arrows
    0x2212, 0x2212, // minus sign
    0x2500, 0x257F, // Box Drawing
    0x25A0, 0x25FF, // Geometric Shapes
    0x2690, 0x2691, // flags (lesson steps)
    0x26A0, 0x26A0, // warning sign
    0x2713, 0x2718, // check and cross marks
    0,
};

bool readable(const char* path) {
    // AddFontFromFileTTF() asserts (and Debian's libimgui.a keeps its asserts) when the file
    // cannot be opened, so check first.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr) return false;
    std::fclose(f);
    return true;
}

ImFont* addTtf(const char* path, float pixels) {
    ImFontConfig config;
    // Whole-pixel glyph positions keep small text sharp; horizontal oversampling is then useless.
    config.PixelSnapH = true;
    config.OversampleH = 1;
    config.OversampleV = 1;
    return ImGui::GetIO().Fonts->AddFontFromFileTTF(path, pixels, &config, kGlyphRanges);
}

} // namespace

GuiFonts loadFonts(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    GuiFonts fonts;

    if (readable(kBodyFont)) {
        fonts.body = addTtf(kBodyFont, std::round(kBodyPixels * scale));
        const char* heading = readable(kHeadingFont) ? kHeadingFont : kBodyFont;
        fonts.heading = addTtf(heading, std::round(kHeadingPixels * scale));
        fonts.bold = addTtf(heading, std::round(kBodyPixels * scale));
        if (readable(kMonoFont)) fonts.mono = addTtf(kMonoFont, std::round(kBodyPixels * scale));
    }
    if (fonts.body == nullptr) {
        std::fprintf(stderr,
                     "forklab gui: note: %s not found (Debian package fonts-dejavu-core); "
                     "using ImGui's built-in font, which shows dashes and arrows as '?'.\n",
                     kBodyFont);
        ImFontConfig config;
        // The built-in bitmap font is sharp only at whole multiples of its native size.
        const float multiple = std::fmax(1.0f, std::round(scale));
        config.SizePixels = kDefaultFontPixels * multiple;
        fonts.body = io.Fonts->AddFontDefault(&config);
        fonts.heading = fonts.body;
    }
    if (fonts.heading == nullptr) fonts.heading = fonts.body;
    if (fonts.bold == nullptr) fonts.bold = fonts.body;
    if (fonts.mono == nullptr) fonts.mono = fonts.body;
    io.FontDefault = fonts.body;
    return fonts;
}

} // namespace forklab
