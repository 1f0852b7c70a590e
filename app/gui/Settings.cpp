#include "app/gui/Settings.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace forklab::gui {

const char* toString(Theme t) {
    switch (t) {
    case Theme::Dark:
        return "dark";
    case Theme::Light:
        return "light";
    case Theme::HighContrast:
        return "high-contrast";
    }
    return "dark";
}

std::string settingsPath() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg) return std::string(xdg) + "/forklab/gui.conf";
    const char* home = std::getenv("HOME");
    if (home && *home) return std::string(home) + "/.config/forklab/gui.conf";
    return {};
}

Settings loadSettings(const std::string& path) {
    Settings s;
    if (path.empty()) return s;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq == std::string::npos || line[0] == '#') continue;
        std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        // A hand-edited or damaged file must never stop the window from opening.
        try {
            if (key == "scale")
                s.scale = std::clamp(std::stof(value), 1.0f, 3.0f);
            else if (key == "theme")
                s.theme = value == "light"           ? Theme::Light
                          : value == "high-contrast" ? Theme::HighContrast
                                                     : Theme::Dark;
            else if (key == "colour_blind_safe")
                s.colourBlindSafe = value != "0";
            else if (key == "hold_at_steps")
                s.holdAtSteps = value != "0";
            else if (key == "show_sandbox")
                s.showSandbox = value == "1";
            else if (key == "hide_exited")
                s.hideExited = value == "1";
            else if (key == "lesson")
                s.lesson = value;
            else if (key == "method")
                s.method = value;
            else if (key == "command")
                s.command = value;
            else if (key == "program_source")
                s.programSource = value == "1";
        } catch (const std::exception&) {
        }
    }
    return s;
}

bool saveSettings(const Settings& s, const std::string& path) {
    if (path.empty()) return false;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::ofstream out(path + ".tmp");
    out << "# forklab gui settings (written by the window)\n"
        << "scale=" << s.scale << '\n'
        << "theme=" << toString(s.theme) << '\n'
        << "colour_blind_safe=" << (s.colourBlindSafe ? 1 : 0) << '\n'
        << "hold_at_steps=" << (s.holdAtSteps ? 1 : 0) << '\n'
        << "show_sandbox=" << (s.showSandbox ? 1 : 0) << '\n'
        << "hide_exited=" << (s.hideExited ? 1 : 0) << '\n'
        << "lesson=" << s.lesson << '\n'
        << "method=" << s.method << '\n'
        << "command=" << s.command << '\n'
        << "program_source=" << (s.programSource ? 1 : 0) << '\n';
    out.close();
    if (!out) return false;
    std::filesystem::rename(path + ".tmp", path, ec);
    return !ec;
}

} // namespace forklab::gui
