// The one pool of threads the fast CPU kernels share. Every parallel loop of
// the fast backend goes through it, and OpenBLAS is kept single-threaded (see
// blas.h), so the machine never runs more busy threads than it has cores.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace archscope::fast {

// The threads this process may run on: its CPU affinity (what a container or
// `taskset` allows), else std::thread::hardware_concurrency(); at least 1.
int hardware_threads();

class ThreadPool {
 public:
  // `threads` counts the calling thread too; 0 means hardware_threads().
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs task(i) for every i in [0, tasks), each exactly once, on the pool
  // and the caller; returns when all are done. Tasks are claimed one at a
  // time, so uneven tasks (causal attention rows) balance themselves. The
  // first exception a task throws is rethrown here once all tasks stopped.
  // A call from inside a task runs its tasks inline, in order.
  void run(int64_t tasks, const std::function<void(int64_t)>& task);

  // As run(), but on the caller alone when the whole job is smaller than
  // kMinParallelWork (rough flops): waking a worker costs microseconds.
  void run_sized(int64_t tasks, double work, const std::function<void(int64_t)>& task);
  static constexpr double kMinParallelWork = 2e5;

  // Splits [0, count) into ranges of at least `grain` items, about
  // size() * 4 of them, and calls body(begin, end) on each through run().
  void for_ranges(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

 private:
  struct Job;
  void worker_loop();
  void work_on(Job& job);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;   // workers wait here for a new job
  std::condition_variable done_;   // the caller waits here for the last task
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  // generation_ as workers poll it while they spin (see thread_pool.cpp); a
  // change means a new job or the pool stopping.
  std::atomic<uint64_t> published_{0};
  bool stopping_ = false;
  std::mutex run_mutex_;  // one job at a time when several threads share the pool
};

}  // namespace archscope::fast
