// The worker thread that owns the model and the backend. The UI posts the
// document it wants run; the worker runs the newest one, drops the ones a
// newer request superseded, and hands each finished run to a callback (on the
// worker's thread: the caller moves it to its own). The UI never waits on it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/explorer/document.h"
#include "app/explorer/runner.h"

namespace archscope::explorer {

struct RunOutcome {
  uint64_t id = 0;
  std::optional<RunResult> result;  // set on success
  std::string error;                // otherwise: the message, naming what was wrong
  double milliseconds = 0;
};

class Worker {
 public:
  using Done = std::function<void(std::shared_ptr<const RunOutcome>)>;
  explicit Worker(Done done);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Queues `doc` to run, replacing any request still waiting. Returns its id.
  uint64_t post(const Document& doc);
  // Results of every request up to now are dropped when they finish.
  void cancel();
  // Is a run in progress or waiting?
  bool busy() const;
  // When the run in progress started (for progress display); nullopt when idle.
  std::optional<std::chrono::steady_clock::time_point> running_since() const;
  // The id of the last request posted.
  uint64_t last_posted() const { return next_id_ - 1; }

 private:
  void loop();

  Done done_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::pair<uint64_t, Document>> pending_;
  std::optional<std::chrono::steady_clock::time_point> started_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> cancelled_through_{0};
  bool stop_ = false;
  Runner runner_;                      // touched by the worker thread only
  std::thread thread_;                 // last: starts after everything above exists
};

}  // namespace archscope::explorer
