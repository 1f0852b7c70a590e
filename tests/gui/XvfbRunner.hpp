#pragma once
// Runs the real window under a virtual X server in test mode (`forklab gui --frames N
// --screenshot --dump-state`) and reads back what it showed: shared by the xvfb test files.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace forklab::guitest {

using nlohmann::json;

inline const std::string kOut = std::string(FORKLAB_GUI_TEST_OUT);

inline std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

struct Shown {
    int exitCode = -1;
    json state;
    std::string png;
};

// Runs `forklab gui --frames N` under xvfb-run with `args` and reads back the dump.
inline Shown show(const std::string& name, const std::vector<std::string>& args,
                  const std::string& env = "", int frames = 3,
                  const std::string& screen = "1600x900") {
    std::filesystem::create_directories(kOut);
    Shown s;
    s.png = kOut + "/" + name + ".png";
    const std::string dump = kOut + "/" + name + ".json";
    std::filesystem::remove(s.png);
    std::filesystem::remove(dump);
    std::string cmd = env + " " + FORKLAB_XVFB_RUN + " -a -s '-screen 0 " + screen + "x24' " +
                      quote(FORKLAB_BINARY) + " gui --frames " + std::to_string(frames) +
                      " --screenshot " + quote(s.png) + " --dump-state " + quote(dump);
    for (auto& a : args) cmd += " " + quote(a);
    cmd += " >" + quote(kOut + "/" + name + ".log") + " 2>&1";
    int st = std::system(cmd.c_str());
    // xvfb-run exits 5 when it fails to remove its own temporary directory (seen when several
    // run at once): that is xvfb-run's failure, not forklab's, so run it once more.
    if (WIFEXITED(st) && WEXITSTATUS(st) == 5) {
        std::ifstream log(kOut + "/" + name + ".log");
        std::string text((std::istreambuf_iterator<char>(log)), {});
        if (text.find("problem while cleaning up temporary directory") != std::string::npos)
            st = std::system(cmd.c_str());
    }
    s.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    std::ifstream in(dump);
    if (in) s.state = json::parse(in, nullptr, false);
    return s;
}

inline std::string fixture(const std::string& name) {
    return std::string(FORKLAB_FIXTURE_DIR) + "/" + name;
}

// A tree node by what its card says: "parent"/"child" (or the program's name) and how it started.
inline const json* node(const json& pane, const std::string& label, const std::string& start) {
    for (auto& n : pane["tree"])
        if (n["label"] == label && n["start"] == start) return &n;
    return nullptr;
}

inline const json* fd(const json& pane, int number, const std::string& status) {
    for (auto& r : pane["fds"]["rows"])
        if (r["fd"] == number && r["status"] == status) return &r;
    return nullptr;
}

inline bool pngWritten(const std::string& path) {
    std::error_code ec;
    return std::filesystem::file_size(path, ec) > 10000;
}

// A JSON file (a dump), or a discarded value if it is missing or broken.
inline json readJson(const std::string& path) {
    std::ifstream in(path);
    return in ? json::parse(in, nullptr, false) : json();
}

inline std::vector<std::string> fileLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

// "Step 2 of 3: the child locks log_lock" -> "the child locks log_lock"
inline std::string stepLabel(const json& pane) {
    const std::string s = pane["narration"]["step"];
    const size_t colon = s.find(": ");
    return colon == std::string::npos ? std::string() : s.substr(colon + 2);
}

// Runs the window from the first step, pressing Next `steps` times, and returns one dump per
// step reached (more Nexts than the lesson has just repeat the end). `keys` ("1:...,") act in
// frame 1; each Next comes in a frame and its dump in the frame after it: a tab or a scroll asked
// for in a frame is on screen from the next (ImGui), as a teacher sees it.
inline std::vector<json> stepDumps(const std::string& name, std::vector<std::string> args,
                                   int steps, int* exitCode, const std::string& keys = "",
                                   const std::string& screen = "1600x900") {
    std::string actions = keys;
    std::vector<std::string> paths;
    for (int i = 0; i <= steps; ++i) {
        const std::string path = kOut + "/" + name + "_step" + std::to_string(i) + ".json";
        std::filesystem::remove(path);
        paths.push_back(path);
        if (i) actions += std::to_string(2 * i + 2) + ":next,";
        actions += std::to_string(2 * i + 3) + ":dump=" + path + (i < steps ? "," : "");
    }
    args.insert(args.end(), {"--goto-step", "1", "--actions", actions});
    const Shown s = show(name, args, "", 2 * steps + 4, screen);
    *exitCode = s.exitCode;
    std::vector<json> dumps;
    for (auto& p : paths) dumps.push_back(readJson(p));
    return dumps;
}

} // namespace forklab::guitest
