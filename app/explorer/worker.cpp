// The worker loop.
#include "app/explorer/worker.h"

#include "engine/errors.h"

namespace archscope::explorer {

Worker::Worker(Done done) : done_(std::move(done)), thread_([this] { loop(); }) {}

Worker::~Worker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

uint64_t Worker::post(const Document& doc) {
  const uint64_t id = next_id_++;
  {
    std::lock_guard lock(mutex_);
    pending_ = std::make_pair(id, doc);
  }
  wake_.notify_one();
  return id;
}

void Worker::cancel() {
  cancelled_through_ = next_id_ - 1;
  std::lock_guard lock(mutex_);
  pending_.reset();
}

bool Worker::busy() const {
  std::lock_guard lock(mutex_);
  return pending_.has_value() || started_.has_value();
}

std::optional<std::chrono::steady_clock::time_point> Worker::running_since() const {
  std::lock_guard lock(mutex_);
  return started_;
}

void Worker::loop() {
  for (;;) {
    std::pair<uint64_t, Document> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || pending_.has_value(); });
      if (stop_) return;
      job = std::move(*pending_);
      pending_.reset();
      started_ = std::chrono::steady_clock::now();
    }
    auto outcome = std::make_shared<RunOutcome>();
    outcome->id = job.first;
    const auto start = std::chrono::steady_clock::now();
    try {
      outcome->result = runner_.run(job.second);
    } catch (const std::bad_alloc&) {
      outcome->error = "out of memory while running " + job.second.display_name();
    } catch (const std::exception& e) {
      outcome->error = e.what();
    }
    outcome->milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    {
      std::lock_guard lock(mutex_);
      started_.reset();
    }
    // Runs finish in the order they were asked for, so each one is shown, and a
    // dragged slider redraws as it goes; a cancelled run never is.
    if (outcome->id <= cancelled_through_) continue;
    done_(outcome);
  }
}

}  // namespace archscope::explorer
