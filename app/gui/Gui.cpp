#include "app/gui/Gui.hpp"

#include "app/gui/App.hpp"
#include "app/gui/CompareView.hpp"
#include "app/gui/Controls.hpp"
#include "app/gui/StateDump.hpp"
#include "app/gui/Theme.hpp"
#include "app/gui/Window.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>

namespace forklab {

using namespace gui;

namespace {

float sanitisedScale(float scale) {
    if (!std::isfinite(scale) || scale <= 0.0f) return 1.0f;
    return std::clamp(scale, 1.0f, 3.0f);
}

// Applies the command line to the app; returns false (with a message) on a usage error.
bool choose(App& app, const GuiOptions& o) {
    if (!o.command.empty()) {
        app.programSource = true;
        app.commandArgv = o.command;
        app.command.clear();
        for (auto& a : o.command) {
            const bool quote = a.empty() || a.find_first_of(" \t'\"\\") != std::string::npos;
            if (!app.command.empty()) app.command += ' ';
            if (!quote) {
                app.command += a;
                continue;
            }
            app.command += '\'';
            for (char c : a) {
                if (c == '\'')
                    app.command += "'\\''";
                else
                    app.command += c;
            }
            app.command += '\'';
        }
        return true;
    }
    if (!o.scenario.empty()) {
        if (!lessonsAvailable()) {
            std::fprintf(stderr,
                         "forklab gui: this build has no lessons yet; use `forklab gui -- CMD`\n");
            return false;
        }
        bool found = false;
        for (auto& l : app.catalogue) found |= l.id == o.scenario;
        if (!found) {
            std::fprintf(stderr, "forklab gui: no lesson called '%s'\n", o.scenario.c_str());
            return false;
        }
        app.programSource = false;
        app.lesson = o.scenario;
    }
    if (!o.method.empty()) {
        app.method = methodIndex(o.method);
        if (app.method < 0) {
            std::fprintf(stderr, "forklab gui: --method must be fork, spawn or forkserver\n");
            return false;
        }
    }
    app.variant = o.variant;
    app.compare = o.compare;
    app.compareVersions = o.compareVersions && !o.compare;
    return true;
}

// Test mode: the whole run is recorded before the first frame, then the cursor is placed.
bool recordAndPlace(App& app, const GuiOptions& o) {
    app.run();
    for (auto& p : app.panes) {
        p.session->wait();
        p.session->update(SIZE_MAX);
    }
    if (o.select) {
        for (auto& p : app.panes) {
            p.selected = o.select;
            p.userSelected = true;
        }
    }
    if (o.gotoStep.empty()) return true;
    std::vector<size_t> at; // each pane's step event
    for (auto& p : app.panes) {
        std::string error;
        const auto e = p.session->index().stepIndex().resolve(o.gotoStep, &error);
        if (!e) {
            // Say which run and how it ended: a column that failed to start is the news.
            std::fprintf(stderr, "forklab gui: --goto-step %s: %s (%s: %s, %zu events)\n",
                         o.gotoStep.c_str(), error.c_str(), p.session->title().c_str(),
                         paneStatus(p).c_str(), p.session->trace().size());
            return false;
        }
        at.push_back(*e);
    }
    // Columns stand at the same step as the window's goto puts them (a column whose lesson
    // ended before step n shows its end).
    if (const unsigned long n = std::strtoul(o.gotoStep.c_str(), nullptr, 10);
        app.columns() && n > 0) {
        app.gotoStep(n);
        return true;
    }
    for (size_t i = 0; i < app.panes.size(); ++i)
        app.panes[i].session->setCursor(app.panes[i].session->stepEnd(at[i]));
    return true;
}

} // namespace

int runGui(const GuiOptions& options) {
    const bool testMode = options.frames > 0;
    Window window;
    if (!window.open(options.width, options.height, options.hidden, !testMode))
        return kGuiNoDisplay;

    App app;
    app.testMode = testMode;
    app.glInfo = window.glInfo();
    const std::string settingsFile = testMode ? std::string() : settingsPath();
    app.settings = testMode ? Settings{} : loadSettings(settingsFile);
    if (options.scale > 0) app.settings.scale = options.scale;
    app.settings.scale = sanitisedScale(app.settings.scale);
    if (!options.theme.empty())
        app.settings.theme = options.theme == "light"           ? Theme::Light
                             : options.theme == "high-contrast" ? Theme::HighContrast
                                                                : Theme::Dark;
    if (options.colourBlindSafe >= 0) app.settings.colourBlindSafe = options.colourBlindSafe == 1;
    if (options.hideExited) app.settings.hideExited = true;
    if (options.present) app.present = true;
    if (options.tab == "sync") app.tabRequest = DetailTab::Sync;
    if (options.tab == "output") app.tabRequest = DetailTab::Output;
    if (options.tab == "fds") app.tabRequest = DetailTab::Fds;

    app.catalogue = availableLessons();
    app.programSource = app.settings.programSource || !lessonsAvailable();
    app.lesson = app.settings.lesson.empty() ? defaultLesson() : app.settings.lesson;
    app.method = std::max(0, methodIndex(app.settings.method));
    app.command = app.settings.command;
    if (!choose(app, options)) return kGuiUsage;

    applyTheme(app.settings.theme, app.settings.colourBlindSafe, app.settings.scale);
    app.fonts = window.loadFonts(app.settings.scale);

    app.holdInTests = options.hold;
    // Test-mode actions by frame number.
    std::vector<std::pair<int, std::string>> actions;
    for (size_t at = 0; at < options.actions.size();) {
        size_t end = options.actions.find(',', at);
        if (end == std::string::npos) end = options.actions.size();
        const std::string item = options.actions.substr(at, end - at);
        const auto colon = item.find(':');
        const std::string action = colon == std::string::npos ? "" : item.substr(colon + 1);
        const bool known =
            action == "run" || action == "next" || action == "back" || action == "forward" ||
            action == "first" || action == "last" || action == "pause" || action == "await" ||
            action.rfind("scale=", 0) == 0 || action.rfind("lesson=", 0) == 0 ||
            action.rfind("search=", 0) == 0 || action.rfind("key=", 0) == 0 ||
            action.rfind("retry=", 0) == 0 || action == "present" || action == "display" ||
            action == "theme=dark" || action == "theme=light" || action == "theme=high-contrast";
        const bool dump = action.rfind("dump=", 0) == 0; // the state dump of that frame
        if ((!known && !dump) || colon == 0) {
            std::fprintf(stderr, "forklab gui: --actions: '%s' is not FRAME:ACTION\n",
                         item.c_str());
            return kGuiUsage;
        }
        actions.emplace_back(std::atoi(item.c_str()), action);
        at = end + 1;
    }

    const bool explicitRun = !options.command.empty() || !options.scenario.empty();
    if (!options.trace.empty()) {
        // What Open… does.
        if (!app.openTrace(options.trace)) {
            std::fprintf(stderr, "forklab gui: %s\n", app.file.openError.c_str());
            return kGuiUsage;
        }
        if (!options.gotoStep.empty()) {
            Session& s = *app.panes.front().session;
            std::string error;
            const auto at = s.index().stepIndex().resolve(options.gotoStep, &error);
            if (!at) {
                std::fprintf(stderr, "forklab gui: --goto-step %s: %s\n", options.gotoStep.c_str(),
                             error.c_str());
                return kGuiUsage;
            }
            s.setCursor(s.stepEnd(*at));
        }
    } else if (testMode && explicitRun && !options.live) {
        if (!recordAndPlace(app, options)) {
            app.stopAll();
            return kGuiUsage;
        }
    }
    // Live runs asked for on the command line start once the window has drawn its first frame
    // (the heavy one: shaders, font atlas), as a Run pressed by the teacher would.
    const bool startAfterFirstFrame =
        explicitRun && options.trace.empty() && (!testMode || options.live);

    std::vector<ExportFormat> exportFormats;
    for (auto& [format, path] : options.exports) {
        exportFormats.emplace_back();
        if (!parseExportFormat(format, &exportFormats.back())) {
            std::fprintf(stderr,
                         "forklab gui: --export-from-gui: '%s' is not chrome, jsonl or dot\n",
                         format.c_str());
            return kGuiUsage;
        }
    }

    bool screenshotOk = true;
    std::vector<uint64_t> gatesAtNext; // per pane: await waits for a gate after the last next
    for (int frame = 1;; ++frame) {
        const bool closing = window.shouldClose();
        const bool last = closing || (testMode && frame >= options.frames);
        if (closing && options.screenshot.empty()) break;
        // Presentation changes take effect between frames (the font atlas cannot change inside).
        if (app.fontsDirty) {
            app.fonts = window.loadFonts(app.settings.scale);
            app.fontsDirty = false;
            app.timelineOpen.reset(); // a new scale: fold the timeline again if it no longer fits
            app.settingsChanged = true;
        }
        if (app.settingsChanged) {
            applyTheme(app.settings.theme, app.settings.colourBlindSafe, app.settings.scale);
            if (!testMode) saveSettings(app.settings, settingsFile);
            app.settingsChanged = false;
        }
        if (startAfterFirstFrame && frame == 2) app.run();
        std::vector<std::string> dumps; // --dump-state of this frame, once it is drawn
        for (auto& [at, action] : actions) {
            if (at != frame) continue;
            if (action.rfind("dump=", 0) == 0) dumps.push_back(action.substr(5));
            if (action == "run") app.run();
            if (action == "next") {
                gatesAtNext.clear();
                for (auto& p : app.panes) gatesAtNext.push_back(p.session->gatesEntered());
                app.next();
            }
            if (action == "back") app.back();
            if (action == "forward") app.forward();
            if (action == "first") app.first();
            if (action == "last") app.last();
            if (action == "pause") app.pause();
            if (action.rfind("lesson=", 0) == 0) app.chooseLesson(action.substr(7)); // the picker
            if (action.rfind("retry=", 0) == 0) // a column's Retry button (compare mode)
                app.retryPane(size_t(std::strtoul(action.c_str() + 6, nullptr, 10)));
            // A key press as the window's key callback queues it (several in one frame: fast taps).
            if (action.rfind("key=", 0) == 0) {
                const std::string k = action.substr(4);
                const int code = k == "Space"      ? 32
                                 : k == "PageDown" ? 267
                                 : k == "PageUp"   ? 266
                                 : k == "Right"    ? 262
                                 : k == "Left"     ? 263
                                 : k.size() == 1   ? int(k[0])
                                                   : 0;
                if (code) queueKeyPress(code, 0);
            }
            if (action.rfind("search=", 0) == 0 && !app.panes.empty())
                findInTree(app.panes.front(), action.substr(7));      // the tree's search field
            if (action == "present") app.present = !app.presenting(); // P
            if (action == "display") app.displayRequest = true;       // the Display… button
            // Frames do not wait for the recorder; a test that must see a held step does,
            // for as long as it takes (a loaded machine is slow, never wrong).
            if (action == "await") {
                auto waiting = [&] {
                    for (size_t i = 0; i < app.panes.size(); ++i) {
                        const Session& s = *app.panes[i].session;
                        const uint64_t before = i < gatesAtNext.size() ? gatesAtNext[i] : 0;
                        if (s.live() && (!s.held() || s.gatesEntered() <= before)) return true;
                    }
                    return false;
                };
                while (waiting()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            // What the Display… popup does, for tests of a change made while the window is open.
            if (action.rfind("scale=", 0) == 0) {
                app.settings.scale = sanitisedScale(std::strtof(action.c_str() + 6, nullptr));
                app.fontsDirty = true;
            }
            if (action.rfind("theme=", 0) == 0) {
                const std::string t = action.substr(6);
                app.settings.theme = t == "light"           ? Theme::Light
                                     : t == "high-contrast" ? Theme::HighContrast
                                                            : Theme::Dark;
                app.settingsChanged = true;
            }
        }
        // Open…, Export… and PNG as their buttons do them (test mode).
        if (frame == 2 && !options.openFile.empty()) {
            app.file.openPath = options.openFile;
            app.openTrace(options.openFile);
        }
        if (frame == 2 && options.fileMenu == "open") app.file.request = FilePopup::Open;
        if (frame == 2 && options.fileMenu == "export") app.file.request = FilePopup::Export;
        if (last) {
            for (size_t i = 0; i < options.exports.size(); ++i)
                app.exportShown(exportFormats[i], options.exports[i].second);
            if (!options.png.empty()) app.savePng(options.png);
        }
        // A PNG asked for (the button, Ctrl+P) is this frame, drawn without notices or tooltips.
        const std::string png = std::exchange(app.file.pngPending, std::string());
        app.file.capturing = !png.empty();
        window.newFrame(!testMode && !app.anyLive() && app.retiring.empty(), testMode);
        drawApp(app);
        window.render();
        for (const std::string& path : dumps)
            if (!writeStateDump(app, path)) screenshotOk = false;
        if (!png.empty()) {
            std::string error;
            int width = 0, height = 0;
            window.framebufferSize(&width, &height);
            const std::string abs = absolutePath(png);
            if (window.screenshot(abs, &error))
                app.file.result = {true,
                                   "Saved " + abs + " (" + std::to_string(width) + "\u00d7" +
                                       std::to_string(height) + " PNG of the window)",
                                   abs};
            else
                app.file.result = {false, "Could not save the PNG: " + error, {}};
            app.file.capturing = false;
        }
        if (last && !options.screenshot.empty())
            screenshotOk = window.screenshot(options.screenshot);
        window.swap();
        if (last) break;
    }
    if (!options.dumpState.empty() && !writeStateDump(app, options.dumpState)) {
        std::fprintf(stderr, "forklab gui: cannot write %s\n", options.dumpState.c_str());
        screenshotOk = false;
    }
    // Closing the window ends every run it started: teardown, then join the recorders.
    app.stopAll();
    return screenshotOk ? kGuiOk : kGuiScreenshotFailed;
}

} // namespace forklab
