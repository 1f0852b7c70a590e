#pragma once
// `--dump-state`: what the views show at the cursor, as JSON, built from the same rows the
// views draw (Model.hpp), so a test reads what a student would see.
#include "app/gui/App.hpp"

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace forklab::gui {

nlohmann::json stateOf(App& app);
bool writeStateDump(App& app, const std::string& path);

} // namespace forklab::gui
