// WorkQueue: one background thread that runs a function on each job, in
// the order the jobs were queued. For work done ahead of readers (pushes
// into the page cache, a package's libraries), where a job that waits too
// long is worth less than a new one: past `max_queued`, the oldest queued
// jobs are dropped.
//
// The thread starts with the first jobs, not with the queue: a thread's
// start costs a quarter of a millisecond on a VM, paid at mount time by
// every queue a mount makes though most get work only later. It inherits
// the signal mask and the nice value of the thread that pushes first: a
// queue fed from a low-priority thread runs at that priority.
//
// Thread-safety: Push() may be called from any thread; mu_ guards the
// queue, stop_ and thread_. `work` runs on the worker thread only, outside
// the lock. The destructor drops the jobs not started, waits for the one
// running and joins; whatever `work` uses must outlive the queue.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace layerfs {

template <typename Job>
class WorkQueue {
 public:
  explicit WorkQueue(std::function<void(Job&)> work, size_t max_queued = SIZE_MAX)
      : work_(std::move(work)), max_queued_(max_queued) {}

  ~WorkQueue() {
    std::thread thread;
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      thread = std::move(thread_);
    }
    wake_.notify_one();
    if (thread.joinable()) thread.join();
  }

  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Push(std::vector<Job> jobs) {
    if (jobs.empty()) return;
    {
      std::lock_guard lock(mu_);
      for (Job& job : jobs) queue_.push_back(std::move(job));
      while (queue_.size() > max_queued_) queue_.pop_front();
      if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { Run(); });
    }
    wake_.notify_one();
  }

 private:
  void Run() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      work_(job);
    }
  }

  const std::function<void(Job&)> work_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;  // guarded by mu_
  bool stop_ = false;      // guarded by mu_
  std::thread thread_;     // guarded by mu_; started by the first Push
};

}  // namespace layerfs
