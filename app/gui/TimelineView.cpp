#include "app/gui/TimelineView.hpp"

#include "app/gui/Draw.hpp"
#include "app/gui/Theme.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace forklab::gui {
namespace {

std::string timeLabel(double ns, double step) {
    char buf[32];
    if (step >= 1e9)
        std::snprintf(buf, sizeof buf, "%.0f s", ns / 1e9);
    else if (step >= 1e8)
        std::snprintf(buf, sizeof buf, "%.1f s", ns / 1e9);
    else if (step >= 1e6)
        std::snprintf(buf, sizeof buf, "%.0f ms", ns / 1e6);
    else if (step >= 1e5)
        std::snprintf(buf, sizeof buf, "%.1f ms", ns / 1e6);
    else if (step >= 1e3)
        std::snprintf(buf, sizeof buf, "%.0f \u00b5s", ns / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f ns", ns);
    return buf;
}

double niceStep(double raw) {
    const double p = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (p * m >= raw) return p * m;
    return p * 10;
}

// First position in `events` (event indices, time-ordered) whose time is >= t.
size_t firstAt(const Trace& trace, const std::vector<size_t>& events, size_t from, double t) {
    auto it = std::lower_bound(events.begin() + long(from), events.end(), t,
                               [&](size_t i, double v) { return double(trace[i].t) < v; });
    return size_t(it - events.begin());
}

bool important(const Event& e) {
    return e.kind != EventKind::Output && e.kind != EventKind::Snapshot;
}

} // namespace

void drawTimelineView(const App& /*app*/, Pane& pane, const TreeLayout& tracks, ImVec2 size,
                      bool hideFuture) {
    const Palette& pal = palette();
    Session& s = *pane.session;
    const Trace& trace = s.trace();
    const TraceIndex& index = s.index();
    TimelineState& tl = pane.timeline;
    const float em = ImGui::GetFontSize();
    const float line = std::fmax(1.0f, pal.line * em / 16.0f);

    ImGui::PushStyleColor(ImGuiCol_ChildBg, pal.canvas);
    ImGui::BeginChild("timeline", size, true,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 wp = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float gutter = std::min(12.0f * em, avail.x * 0.3f);
    const float ruler = 1.7f * em;
    const float trackH = 1.7f * em;
    const ImVec2 area0(wp.x + gutter, wp.y + ruler);
    const ImVec2 area1(wp.x + avail.x, wp.y + avail.y);
    const float areaW = std::max(1.0f, area1.x - area0.x);

    // Visible time range; "fit" follows the recording as it grows.
    const double end = std::max<double>(double(index.endTime()), 1e6);
    if (tl.fit || tl.t1 <= tl.t0) {
        tl.t0 = 0;
        tl.t1 = end * 1.03;
    }
    const double span = tl.t1 - tl.t0;
    auto xOf = [&](double t) { return float(area0.x + (t - tl.t0) / span * areaW); };
    auto tOf = [&](float x) { return tl.t0 + double(x - area0.x) / areaW * span; };

    // Interaction over the whole area: wheel zoom at the mouse, drag to pan, double-click fits.
    ImGui::SetCursorScreenPos(ImVec2(wp.x, wp.y));
    ImGui::InvisibleButton("canvas", ImVec2(std::max(1.0f, avail.x), std::max(1.0f, avail.y)));
    const bool hovered = ImGui::IsItemHovered();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const float maxScroll =
        std::max(0.0f, float(tracks.nodes.size()) * trackH - (area1.y - area0.y));
    if (hovered && ImGui::GetIO().MouseWheel != 0 && mouse.x > area0.x) {
        const double factor = std::pow(0.8, double(ImGui::GetIO().MouseWheel));
        const double at = tOf(mouse.x);
        const double newSpan = std::clamp(span * factor, 1e3, end * 4);
        tl.t0 = at - (at - tl.t0) * newSpan / span;
        tl.t1 = tl.t0 + newSpan;
        tl.fit = false;
    }
    bool dragged = false;
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 3.0f)) {
        const ImVec2 d = ImGui::GetIO().MouseDelta;
        const double dt = double(d.x) / areaW * span;
        tl.t0 -= dt;
        tl.t1 -= dt;
        tl.scrollY -= d.y;
        tl.fit = false;
        dragged = true;
    }
    if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) tl.fit = true;
    tl.scrollY = std::clamp(tl.scrollY, 0.0f, maxScroll);

    // Where the cursor is; with a question pending nothing after it is drawn.
    // (following a live run: the newest event; held at a gate: the gate's step)
    const double cursorT = s.cursor() == 0              ? 0.0
                           : s.following() && !s.held() ? end
                                                        : double(trace[s.cursor() - 1].t);
    const float horizonX = hideFuture ? std::clamp(xOf(cursorT) + 2.0f, area0.x, area1.x) : area1.x;

    // Ruler: nice time ticks, then the lesson's steps as flags.
    dl->PushClipRect(ImVec2(area0.x, wp.y), area1, true);
    const double step = niceStep(span / std::max(1.0, double(areaW / (7.0f * em))));
    for (double t = std::ceil(tl.t0 / step) * step; t <= tl.t1; t += step) {
        const float x = xOf(t);
        dl->AddLine(ImVec2(x, wp.y + ruler * 0.6f), ImVec2(x, area1.y), pal.grid, 1.0f);
        dl->AddText(ImVec2(x + 3, wp.y), pal.textDim, timeLabel(t, step).c_str());
    }
    const auto& markers = index.markers();
    // Where the run was held at a step: a break (two slanted strokes on the ruler); the held
    // time itself is not on the time axis.
    for (size_t b : s.breaks()) {
        const double t = double(trace[b].t);
        if (t < tl.t0 || t > tl.t1 || (hideFuture && t > cursorT)) continue;
        const float x = xOf(t) + em * 0.45f, y0 = wp.y + ruler * 0.05f, y1 = wp.y + ruler * 0.5f;
        for (float dx : {0.0f, em * 0.3f})
            dl->AddLine(ImVec2(x + dx, y1), ImVec2(x + dx + em * 0.25f, y0), pal.blocked,
                        line * 1.5f);
    }
    // The current step's flag is always labelled (drawn last, over its neighbours).
    const size_t currentMarker = index.markersBefore(s.cursor());
    float lastLabelEnd = -1e9f;
    auto flag = [&](size_t k, float x, ImU32 c) {
        const std::string num = std::to_string(k + 1);
        const ImVec2 ts = ImGui::CalcTextSize(num.c_str());
        dl->AddRectFilled(ImVec2(x, wp.y + ruler * 0.5f),
                          ImVec2(x + ts.x + em * 0.5f, wp.y + ruler * 0.5f + ts.y * 0.8f), c);
        dl->AddText(ImGui::GetFont(), em * 0.8f, ImVec2(x + em * 0.25f, wp.y + ruler * 0.5f),
                    pal.markerText, num.c_str());
        return x + ts.x + em;
    };
    for (size_t k = firstAt(trace, markers, 0, tl.t0); k < markers.size(); ++k) {
        const Event& e = trace[markers[k]];
        if (double(e.t) > tl.t1) break;
        if (hideFuture && double(e.t) > cursorT) break;
        const auto& mk = e.as<ev::Marker>();
        const float x = xOf(double(e.t));
        const ImU32 c = mk.key ? pal.keyMarker : pal.marker;
        dl->AddLine(ImVec2(x, wp.y + ruler * 0.5f), ImVec2(x, area1.y), withAlpha(c, 0.8f),
                    mk.key ? line * 2 : line);
        if (x > lastLabelEnd && k + 1 != currentMarker) lastLabelEnd = flag(k, x, c);
    }
    if (currentMarker > 0 && currentMarker <= markers.size()) {
        const Event& e = trace[markers[currentMarker - 1]];
        if (double(e.t) >= tl.t0 && double(e.t) <= tl.t1)
            flag(currentMarker - 1, xOf(double(e.t)),
                 e.as<ev::Marker>().key ? pal.keyMarker : pal.marker);
    }
    dl->PopClipRect();

    // Tracks, visible ones only.
    const size_t firstTrack = size_t(tl.scrollY / trackH);
    const size_t lastTrack =
        std::min(tracks.nodes.size(), size_t((tl.scrollY + (area1.y - area0.y)) / trackH) + 1);
    const pid_t focus = focusPid(pane, s.world());
    auto trackY = [&](size_t i) { return area0.y + float(i) * trackH - tl.scrollY; };
    size_t bestEvent = SIZE_MAX;
    float bestDist = em * 0.6f;
    pid_t bestPid = 0;

    dl->PushClipRect(ImVec2(wp.x, area0.y), area1, true);
    for (size_t i = firstTrack; i < lastTrack; ++i) {
        const TreeNode& n = tracks.nodes[i];
        const ProcessView& p = *n.proc;
        if (hideFuture && double(p.born) > cursorT) continue; // not born yet: not even a name
        const float y = trackY(i);
        const float mid = y + trackH * 0.5f;
        const ImU32 kind = startColour(n.start);
        if (p.pid == focus)
            dl->AddRectFilled(ImVec2(wp.x, y), ImVec2(area1.x, y + trackH),
                              withAlpha(pal.selection, 0.08f));
        // Gutter: colour chip, pid and name.
        dl->AddRectFilled(ImVec2(wp.x, y + 2), ImVec2(wp.x + em * 0.3f, y + trackH - 2), kind);
        const std::string name = ellipsize(
            std::to_string(p.pid) + " " + displayName(s.headWorld(), p), gutter - em * 0.8f);
        dl->AddText(ImVec2(wp.x + em * 0.5f, mid - em * 0.5f),
                    p.pid == focus ? pal.text : pal.textDim, name.c_str());

        // Lifetime bar, red from the first deadlock verdict on.
        dl->PushClipRect(ImVec2(area0.x, area0.y), ImVec2(horizonX, area1.y), true);
        const double born = double(p.born), died = p.alive ? end : double(p.died);
        const float xb = std::max(xOf(born), area0.x - 10), xd = std::min(xOf(died), area1.x + 10);
        if (xd >= area0.x && xb <= area1.x) {
            dl->AddRectFilled(ImVec2(xb, y + trackH * 0.22f),
                              ImVec2(std::max(xd, xb + 2), y + trackH * 0.78f),
                              withAlpha(kind, p.alive ? 0.45f : 0.3f), em * 0.2f);
            if (!p.deadlocks.empty() && !pane.spoilers.verdict) {
                const double from = double(trace[p.deadlocks.front()].t);
                const float xf = std::max(xOf(from), xb);
                dl->AddRectFilled(ImVec2(xf, y + trackH * 0.22f),
                                  ImVec2(std::max(xd, xf + 2), y + trackH * 0.78f),
                                  withAlpha(pal.deadlock, 0.55f), em * 0.2f);
            }
        }
        // Marks, skipping ahead when several fall on one pixel. Output comes in bursts: writes
        // closer than 3 px apart are drawn as one bar (few vertices, no dotted noise).
        const auto& evs = index.track(p.pid);
        const float outY = mid + trackH * 0.28f, outR = em * 0.15f;
        float runStart = -1e9f, runEnd = -1e9f;
        auto flushRun = [&] {
            if (runEnd < -1e8f) return;
            if (runEnd - runStart < 1.0f)
                dl->AddCircleFilled(ImVec2(runStart, outY), outR, pal.textDim, 6);
            else
                dl->AddRectFilled(ImVec2(runStart - outR, outY - outR),
                                  ImVec2(runEnd + outR, outY + outR), pal.textDim, outR);
            runStart = runEnd = -1e9f;
        };
        for (size_t k = firstAt(trace, evs, 0, tl.t0 - span * 0.01); k < evs.size();) {
            const size_t ei = evs[k];
            const Event& e = trace[ei];
            if (double(e.t) > tl.t1 + span * 0.01) break;
            if (hideFuture && double(e.t) > cursorT) break;
            if (eventHidden(pane.spoilers, e)) { // the answer: drawn with the reveal
                ++k;
                continue;
            }
            const float x = xOf(double(e.t));
            const float r = em * 0.32f;
            switch (e.kind) {
            case EventKind::Fork:
                if (e.pid == p.pid) { // the parent's side: an arrow down to the child's track
                    const pid_t child = e.as<ev::Fork>().child;
                    const int ci = tracks.indexOf(child);
                    if (ci >= 0) {
                        const float cy = trackY(size_t(ci)) + trackH * 0.5f;
                        const ImU32 cc = startColour(tracks.nodes[size_t(ci)].start);
                        dl->AddLine(ImVec2(x, mid), ImVec2(x, cy - r), cc, line * 1.5f);
                        arrowHead(dl, ImVec2(x, cy), ImVec2(0, 1), r * 1.6f, cc);
                    }
                    dl->AddCircleFilled(ImVec2(x, mid), r * 0.8f, pal.text, 12);
                }
                break;
            case EventKind::Exec:
                dl->AddQuadFilled(ImVec2(x, mid - r * 1.2f), ImVec2(x + r * 1.2f, mid),
                                  ImVec2(x, mid + r * 1.2f), ImVec2(x - r * 1.2f, mid), pal.text);
                break;
            case EventKind::Exit: {
                const bool bad = !e.as<ev::Exit>().status.exited();
                dl->AddLine(ImVec2(x, y + trackH * 0.1f), ImVec2(x, y + trackH * 0.9f),
                            bad ? pal.deadlock : pal.text, line * 2);
                break;
            }
            case EventKind::Deadlock:
                dl->AddRectFilled(ImVec2(x - r * 1.3f, mid - r * 1.3f),
                                  ImVec2(x + r * 1.3f, mid + r * 1.3f), pal.deadlock);
                dl->AddText(ImVec2(x - em * 0.3f, mid - em * 0.5f), IM_COL32_WHITE, "!");
                break;
            case EventKind::Kill:
            case EventKind::KilledBySandbox:
                if (e.pid != p.pid || e.kind == EventKind::KilledBySandbox) {
                    dl->AddLine(ImVec2(x - r, mid - r), ImVec2(x + r, mid + r), pal.deadlock,
                                line * 2);
                    dl->AddLine(ImVec2(x - r, mid + r), ImVec2(x + r, mid - r), pal.deadlock,
                                line * 2);
                } else {
                    dl->AddCircle(ImVec2(x, mid), r, pal.deadlock, 12, line);
                }
                break;
            case EventKind::Output:
                if (x - runEnd > 3.0f) {
                    flushRun();
                    runStart = x;
                }
                runEnd = x;
                break;
            case EventKind::ShmCreate:
            case EventKind::ShmUnlink:
            case EventKind::Leak:
                dl->AddRect(ImVec2(x - r, mid - r), ImVec2(x + r, mid + r),
                            e.kind == EventKind::Leak ? pal.deadlock
                                                      : startColour(StartKind::Tracker),
                            0, 0, line * 1.5f);
                break;
            case EventKind::Marker:
                dl->AddTriangleFilled(ImVec2(x, y + 1), ImVec2(x + r * 1.4f, y + 1 + r * 0.7f),
                                      ImVec2(x, y + 1 + r * 1.4f),
                                      e.as<ev::Marker>().key ? pal.keyMarker : pal.marker);
                break;
            default:
                break;
            }
            if (hovered && !dragged && std::fabs(mouse.y - mid) < trackH * 0.5f) {
                const float d = std::fabs(mouse.x - x) + (important(e) ? 0.0f : em * 0.2f);
                if (d < bestDist) {
                    bestDist = d;
                    bestEvent = ei;
                    bestPid = p.pid;
                }
            }
            // Next mark at least a pixel further right.
            const size_t next = k + 1;
            if (next < evs.size() && xOf(double(trace[evs[next]].t)) < x + 1.0f)
                k = firstAt(trace, evs, next, tOf(x + 1.0f));
            else
                k = next;
        }
        flushRun();
        dl->PopClipRect();
    }
    // The cursor: where the other views are.
    {
        const float x = xOf(cursorT);
        if (x >= area0.x && x <= area1.x) {
            dl->AddLine(ImVec2(x, wp.y), ImVec2(x, area1.y), pal.cursor, line * 1.5f);
            arrowHead(dl, ImVec2(x, wp.y + ruler * 0.55f), ImVec2(0, 1), em * 0.6f, pal.cursor);
        }
    }
    dl->PopClipRect();

    // Fit button in the top-left corner of the gutter.
    ImGui::SetCursorScreenPos(ImVec2(wp.x, wp.y));
    if (ImGui::SmallButton(tl.fit ? "whole run" : "fit")) tl.fit = true;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Wheel: zoom at the mouse. Drag: pan. Double-click: whole run.\n"
                          "Click a mark to move the step cursor there.");

    if (bestEvent != SIZE_MAX) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(describeEvent(trace, s.world(), bestEvent).c_str());
        ImGui::TextDisabled("at %.3f ms; click to go there", double(trace[bestEvent].t) / 1e6);
        ImGui::EndTooltip();
        if (ImGui::IsMouseReleased(ImGuiMouseButton_Left) && !dragged &&
            ImGui::GetIO().MouseDragMaxDistanceSqr[0] < 9.0f) {
            s.setCursor(s.stepEnd(bestEvent));
            pane.selected = bestPid;
            pane.userSelected = true;
        }
    }
    if (tracks.nodes.empty()) {
        ImGui::SetCursorScreenPos(ImVec2(area0.x + em, area0.y + em));
        ImGui::TextDisabled("The timeline fills in as the run is recorded.");
    }
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

} // namespace forklab::gui
