// The pool runs every task exactly once, whatever the pool size, nesting,
// exceptions or concurrent callers; the process's pool is sized as configured.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/backends/fast/process_pool.h"
#include "engine/backends/fast/thread_pool.h"
#include "engine/errors.h"

using archscope::fast::ThreadPool;

namespace {

class PoolSize : public ::testing::TestWithParam<int> {};

TEST_P(PoolSize, EveryTaskRunsExactlyOnce) {
  ThreadPool pool(GetParam());
  for (int64_t tasks : {0, 1, 2, 3, 7, 64, 1000}) {
    std::vector<std::atomic<int>> runs(tasks);
    pool.run(tasks, [&](int64_t i) { runs[i]++; });
    for (int64_t i = 0; i < tasks; ++i) ASSERT_EQ(runs[i].load(), 1) << "task " << i << " of " << tasks;
  }
}

TEST_P(PoolSize, RangesCoverEveryItemOnce) {
  ThreadPool pool(GetParam());
  for (int64_t count : {0, 1, 5, 17, 1000, 100003}) {
    for (int64_t grain : {1, 7, 4096}) {
      std::vector<std::atomic<int>> seen(count);
      pool.for_ranges(count, grain, [&](int64_t b, int64_t e) {
        EXPECT_LT(b, e);
        for (int64_t i = b; i < e; ++i) seen[i]++;
      });
      for (int64_t i = 0; i < count; ++i) ASSERT_EQ(seen[i].load(), 1) << i << " of " << count;
    }
  }
}

TEST_P(PoolSize, NestedRunsGoInline) {
  ThreadPool pool(GetParam());
  std::atomic<int> inner{0};
  pool.run(8, [&](int64_t) { pool.run(5, [&](int64_t) { inner++; }); });
  EXPECT_EQ(inner.load(), 40);
}

TEST_P(PoolSize, FirstExceptionReachesTheCallerAndThePoolStillWorks) {
  ThreadPool pool(GetParam());
  EXPECT_THROW(pool.run(100, [](int64_t i) {
    if (i == 37) throw std::runtime_error("task 37");
  }), std::runtime_error);
  std::atomic<int> ran{0};
  pool.run(10, [&](int64_t) { ran++; });
  EXPECT_EQ(ran.load(), 10);
}

TEST_P(PoolSize, SmallJobsRunOnTheCaller) {
  ThreadPool pool(GetParam());
  const auto caller = std::this_thread::get_id();
  pool.run_sized(16, 1.0, [&](int64_t) { EXPECT_EQ(std::this_thread::get_id(), caller); });
}

INSTANTIATE_TEST_SUITE_P(Threads, PoolSize, ::testing::Values(1, 2, 3, 8),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

TEST(ThreadPool, ConcurrentCallersEachGetTheirTasksDone) {
  ThreadPool pool(3);
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) pool.run(16, [&](int64_t i) { total += i; });
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(total.load(), 4 * 50 * (15 * 16 / 2));
}

TEST(ThreadPool, ZeroMeansOnePerHardwareThread) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.size(), archscope::fast::hardware_threads());
  EXPECT_GE(pool.size(), 1);
  EXPECT_LE(pool.size(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST(ProcessPool, ThreadsComeFromTheHardwareUnlessArchscopeThreadsSaysOtherwise) {
  using archscope::fast::pool_threads;
  EXPECT_EQ(pool_threads(nullptr, 6), 6);
  EXPECT_EQ(pool_threads("", 6), 6);
  EXPECT_EQ(pool_threads(nullptr, 0), 1);
  EXPECT_EQ(pool_threads("1", 6), 1);
  EXPECT_EQ(pool_threads("12", 6), 12);  // more than the cores: the user's choice
  EXPECT_EQ(pool_threads("256", 6), 256);
}

TEST(ProcessPool, ABadSettingNamesTheVariableAndWhatItWanted) {
  for (const char* bad : {"0", "-2", "257", "4 ", "two", "1e3", "99999999999999999999"}) {
    try {
      archscope::fast::pool_threads(bad, 4);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const archscope::InputError& e) {
      EXPECT_EQ(std::string(e.what()), "ARCHSCOPE_THREADS: expected a whole number of threads from 1 to 256, found '" +
                                           std::string(bad) + "'");
    }
  }
}

TEST(ProcessPool, OneForTheProcessSizedAsConfigured) {
  ThreadPool& pool = archscope::fast::process_pool();
  EXPECT_EQ(&pool, &archscope::fast::process_pool());
  EXPECT_EQ(pool.size(), archscope::fast::pool_threads(std::getenv("ARCHSCOPE_THREADS"),
                                                       archscope::fast::hardware_threads()));
}

}  // namespace
