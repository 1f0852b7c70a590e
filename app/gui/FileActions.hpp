#pragma once
// What the window's Open…, Export… and PNG do with files, without ImGui: read a recorded trace
// for replay, write the shown trace as JSONL / Chrome JSON / DOT (the core exporters `forklab
// export` calls), and suggest file names. The buttons (FileMenu.cpp) and the test-mode flags
// call these same functions.
#include "app/gui/Session.hpp"
#include "core/trace/Trace.hpp"

#include <memory>
#include <string>

namespace forklab::gui {

enum class ExportFormat : int { Jsonl, Chrome, Dot };
inline constexpr const char* kExportFormatNames[3] = {"jsonl", "chrome", "dot"};
// "jsonl" | "chrome" | "dot" -> the format; false if unknown.
bool parseExportFormat(const std::string& name, ExportFormat* out);

// The start of every file name the window suggests, from the trace's own command line:
// "mutex-after-fork-fork" for a lesson (plus "-VARIANT"), "sem_kill" for a program, "forklab"
// when the trace says nothing. Only [A-Za-z0-9._-].
std::string fileStem(const Trace& trace);
// Where the cursor is, as the slider says it. For file names: "step5" (a trace without lesson
// steps: its 5th step), "step2" (on lesson step 2), "step2-event7" (7th event step, after lesson
// step 2), "start". For titles: "step 5 of 11", "lesson step 2 of 3", "lesson step 2 of 3,
// event 7 of 11".
std::string stepTag(const Session& s);
std::string stepText(const Session& s);
// "STEM.forklab.jsonl", "STEM.chrome.json", "STEM-TAG.dot" (TAG: stepTag of the cursor).
std::string exportFileName(const std::string& stem, ExportFormat f, const std::string& tag);
// "STEM-TAG.png"
std::string pngFileName(const std::string& stem, const std::string& tag);
// `name` inside the current working directory ("" when there is none).
std::string inWorkingDirectory(const std::string& name);
// `path` made absolute (for the confirmation and "Copy path"); unchanged if that fails.
std::string absolutePath(const std::string& path);

struct FileResult {
    bool ok = false;
    std::string text; // the confirmation ("Wrote …") or why not
    std::string path; // the file written or read, absolute ("" on failure)
};

// Writes the session's trace (DOT: the process tree at its cursor) to `path`, creating its
// parent directories. Refuses while the session is still recording.
FileResult exportSession(Session& session, ExportFormat format, const std::string& path);

// Reads a .forklab.jsonl for replay; nullptr and *error (naming the file, and the line and the
// problem as the importer says them) when it cannot. Never throws.
std::unique_ptr<Trace> loadTrace(const std::string& path, std::string* error);

} // namespace forklab::gui
