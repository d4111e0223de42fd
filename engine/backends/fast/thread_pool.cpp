// A fixed set of workers that join the caller on one job at a time. Tasks are
// claimed from an atomic counter; the caller waits until every worker that
// joined the job has left it, so the job can live on the caller's stack.
//
// Waiting spins before it sleeps. A forward pass is a few hundred parallel
// ops with short serial steps between them, and a sleeping thread takes
// from tens of microseconds to over a millisecond to wake (a virtual
// machine's idle CPU halts): long enough that the caller had done a small
// product's every block alone before the worker joined, which halved
// GPT-2's speed at 128 tokens. So workers poll for the next job, and the
// caller for the last worker, for kSpin before blocking, as OpenMP and
// OpenBLAS threads do.
#include "engine/backends/fast/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace archscope::fast {

namespace {
thread_local bool inside_task = false;

// Sets inside_task for the lifetime of a scope, so nested run() calls go inline.
class TaskScope {
 public:
  TaskScope() : previous_(inside_task) { inside_task = true; }
  ~TaskScope() { inside_task = previous_; }

 private:
  bool previous_;
};

constexpr std::chrono::microseconds kSpin{2000};

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Polls done() until it holds or kSpin has passed; true if it holds.
template <class Done>
bool spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (done()) return true;
    relax();
    if (i % 256 == 255 && std::chrono::steady_clock::now() > deadline) return done();
  }
}
}  // namespace

struct ThreadPool::Job {
  const std::function<void(int64_t)>* task = nullptr;
  int64_t count = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int> joined{0};  // workers inside work_on for this job
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;
};

int hardware_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = hardware_threads();
  workers_.reserve(threads - 1);
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    published_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::work_on(Job& job) {
  TaskScope scope;
  for (int64_t i = job.next.fetch_add(1); i < job.count; i = job.next.fetch_add(1)) {
    if (job.failed.load(std::memory_order_relaxed)) continue;  // drain the rest unrun
    try {
      (*job.task)(i);
    } catch (...) {
      std::lock_guard lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
      job.failed = true;
    }
  }
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    spin_until([&] { return published_.load(std::memory_order_acquire) != seen; });
    std::unique_lock lock(mutex_);
    if (!stopping_ && !job_ && generation_ != seen) {  // a job came and went while this thread spun
      seen = generation_;
      continue;
    }
    wake_.wait(lock, [&] { return stopping_ || (job_ && generation_ != seen); });
    if (stopping_) return;
    seen = generation_;
    Job* job = job_;
    job->joined.fetch_add(1, std::memory_order_relaxed);  // under the lock: the caller sees every joiner
    lock.unlock();
    work_on(*job);
    // The job may be gone once joined reaches 0: touch only the pool after it.
    if (job->joined.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard relock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::run(int64_t tasks, const std::function<void(int64_t)>& task) {
  if (tasks <= 0) return;
  if (tasks == 1 || workers_.empty() || inside_task) {
    TaskScope scope;
    for (int64_t i = 0; i < tasks; ++i) task(i);
    return;
  }
  std::lock_guard one_job(run_mutex_);
  Job job;
  job.task = &task;
  job.count = tasks;
  {
    std::lock_guard lock(mutex_);
    job_ = &job;
    ++generation_;
    published_.store(generation_, std::memory_order_release);
  }
  wake_.notify_all();
  work_on(job);
  {
    std::lock_guard lock(mutex_);
    job_ = nullptr;  // late wakers find nothing to join; joined counts no more
  }
  const auto finished = [&] { return job.joined.load(std::memory_order_acquire) == 0; };
  if (!spin_until(finished)) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, finished);
  }
  if (job.error) std::rethrow_exception(job.error);
}

void ThreadPool::run_sized(int64_t tasks, double work, const std::function<void(int64_t)>& task) {
  if (work < kMinParallelWork) {
    TaskScope scope;
    for (int64_t i = 0; i < tasks; ++i) task(i);
    return;
  }
  run(tasks, task);
}

void ThreadPool::for_ranges(int64_t count, int64_t grain,
                            const std::function<void(int64_t, int64_t)>& body) {
  if (count <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t wanted = static_cast<int64_t>(size()) * 4;
  const int64_t chunk = std::max(grain, (count + wanted - 1) / wanted);
  const int64_t chunks = (count + chunk - 1) / chunk;
  run(chunks, [&](int64_t c) { body(c * chunk, std::min(count, (c + 1) * chunk)); });
}

}  // namespace archscope::fast
