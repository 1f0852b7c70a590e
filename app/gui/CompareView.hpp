#pragma once
// Compare mode: the same lesson under fork | spawn | forkserver side by side, each column its
// own recording (own Sandbox and recorder thread), stepped together by lesson step.
#include "app/gui/App.hpp"

namespace forklab::gui {

void drawCompareView(App& app);

} // namespace forklab::gui
