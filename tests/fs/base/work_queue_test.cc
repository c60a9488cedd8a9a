#include "fs/base/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

namespace layerfs {
namespace {

TEST(WorkQueueTest, RunsEveryJobInOrderOnOneThread) {
  std::mutex mu;
  std::vector<int> done;
  std::thread::id worker;
  bool one_thread = true;
  std::promise<void> all;
  {
    WorkQueue<int> queue([&](int& job) {
      std::lock_guard lock(mu);
      if (done.empty()) worker = std::this_thread::get_id();
      one_thread = one_thread && worker == std::this_thread::get_id();
      done.push_back(job);
      if (job == 99) all.set_value();
    });
    for (int start = 0; start < 100; start += 10) {
      std::vector<int> jobs;
      for (int i = start; i < start + 10; ++i) jobs.push_back(i);
      queue.Push(std::move(jobs));
    }
    ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  }
  std::vector<int> expected;
  for (int i = 0; i < 100; ++i) expected.push_back(i);
  EXPECT_EQ(done, expected);
  EXPECT_TRUE(one_thread);
  EXPECT_NE(worker, std::this_thread::get_id());
}

TEST(WorkQueueTest, DropsTheOldestJobsBeyondItsBound) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> first_started;
  std::mutex mu;
  std::condition_variable changed;
  std::vector<int> done;  // guarded by mu
  {
    WorkQueue<int> queue(
        [&](int& job) {
          if (job == 0) {
            first_started.set_value();
            released.wait();  // holds the worker while more jobs queue
          }
          std::lock_guard lock(mu);
          done.push_back(job);
          changed.notify_all();
        },
        /*max_queued=*/3);
    queue.Push({0});
    ASSERT_EQ(first_started.get_future().wait_for(std::chrono::seconds(10)),
              std::future_status::ready);
    queue.Push({1, 2, 3, 4, 5});  // 1 and 2 are dropped
    queue.Push({6});              // and then 3
    release.set_value();
    // The destructor drops what has not started: wait for the last job.
    std::unique_lock lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return done.size() >= 4; }));
  }
  EXPECT_EQ(done, (std::vector<int>{0, 4, 5, 6}));
}

TEST(WorkQueueTest, AQueueNeverPushedStartsNoThreadAndStopsCleanly) {
  std::atomic<int> runs{0};
  { WorkQueue<int> queue([&](int&) { ++runs; }); }
  EXPECT_EQ(runs.load(), 0);
}

}  // namespace
}  // namespace layerfs
