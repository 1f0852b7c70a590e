#pragma once
// What the classroom window remembers between runs (presentation mode, last lesson), in a small
// key=value file under $XDG_CONFIG_HOME/forklab (or ~/.config/forklab). Test mode neither reads
// nor writes it, so screenshots do not depend on the machine.
#include <string>

namespace forklab::gui {

enum class Theme : int { Dark = 0, Light = 1, HighContrast = 2 };

struct Settings {
    float scale = 1.0f; // display scale, 1 to 3: fonts are rasterised at this size
    Theme theme = Theme::Dark;
    bool colourBlindSafe = true; // Okabe–Ito palette
    bool holdAtSteps = true;     // live lessons stop at each step until Next
    bool showSandbox = false;    // show forklab's own launcher in the tree
    bool hideExited = false;     // leave exited subtrees out of the tree
    std::string lesson;          // last lesson picked
    std::string method = "fork";
    std::string command = "sh -c 'exec 3</etc/hostname; sleep 0.2 | cat; (sleep 30 &); true'";
    bool programSource = false; // the picker was on "Run a program"
};

std::string settingsPath();                     // "" when neither XDG_CONFIG_HOME nor HOME is set
Settings loadSettings(const std::string& path); // defaults for what is missing
bool saveSettings(const Settings& s, const std::string& path); // creates the directory

const char* toString(Theme);

} // namespace forklab::gui
