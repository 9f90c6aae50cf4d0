// The worker threads (see worker_pool.hpp).
#include "daemon/worker_pool.hpp"

#include <sched.h>
#include <signal.h>

#include <stdexcept>

namespace embargo::daemon {

std::size_t resolve_workers(std::size_t workers) {
    if (workers > 0) return workers;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return static_cast<std::size_t>(n);
    }
    unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? n : 1;
}

WorkerPool::WorkerPool(std::size_t threads) {
    if (threads == 0) threads = 1;
    // Threads inherit the signal mask of the one creating them.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    try {
        threads_.reserve(threads);
        for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
    } catch (...) {
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        for (auto& t : threads_) t.join();
        throw;
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
}

void WorkerPool::post(std::function<void()> job) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) throw std::logic_error("WorkerPool: job posted while stopping");
        queue_.push_back(std::move(job));
    }
    ready_.notify_one();
}

void WorkerPool::work() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left to run
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job();  // posted jobs are packaged tasks: they do not throw
    }
}

void WorkerPool::run_all(std::vector<std::function<void()>> jobs) {
    std::vector<std::future<void>> done;
    done.reserve(jobs.size());
    try {
        for (auto& j : jobs) done.push_back(submit(std::move(j)));
    } catch (...) {
        for (auto& f : done) f.wait();
        throw;
    }
    for (auto& f : done) f.wait();
    for (auto& f : done) f.get();  // the first exception, in job order
}

}  // namespace embargo::daemon
