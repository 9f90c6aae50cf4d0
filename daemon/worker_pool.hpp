// A fixed set of threads that run jobs: the outbound signing and encryption
// of notifications ([daemon] workers). Its one job is running functions on
// other threads and handing back their results; what may run there (gpg
// work on in-memory data, never the database) is the caller's rule.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace embargo::daemon {

// The threads for `workers`: the number itself, or for 0 ("auto") the CPUs
// this process may run on (its affinity mask, which honours taskset and
// cgroup cpusets), at least 1.
std::size_t resolve_workers(std::size_t workers);

class WorkerPool {
  public:
    // Starts `threads` (at least 1) threads with every signal blocked, so
    // signals keep going to the main thread.
    explicit WorkerPool(std::size_t threads);
    // Runs the jobs still queued, then joins the threads.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    std::size_t size() const { return threads_.size(); }

    // Runs f() on a pool thread; the future gives its result or exception.
    template <class F>
    auto submit(F f) -> std::future<std::invoke_result_t<F&>> {
        using R = std::invoke_result_t<F&>;
        auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
        std::future<R> result = task->get_future();
        post([task] { (*task)(); });
        return result;
    }

    // Runs every job, in parallel, and returns once all of them have ended;
    // then rethrows the exception of the first job (in order) that threw.
    // No job outlives the call, so jobs may refer to the caller's data.
    void run_all(std::vector<std::function<void()>> jobs);

  private:
    void post(std::function<void()> job);
    void work();

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace embargo::daemon
