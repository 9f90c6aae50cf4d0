// WorkerPool: jobs run on its threads, in parallel, results and exceptions
// come back, nothing outlives run_all or the pool, signals stay blocked there.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "daemon/worker_pool.hpp"

using namespace embargo::daemon;

TEST_CASE("resolve_workers: a number as given, auto is the CPUs we may use") {
    CHECK(resolve_workers(3) == 3);
    CHECK(resolve_workers(1) == 1);
    std::size_t n = resolve_workers(0);
    CHECK(n >= 1);
    CHECK(n <= std::max(1u, std::thread::hardware_concurrency()));
}

TEST_CASE("submit returns the job's result or its exception, on a pool thread") {
    WorkerPool pool(2);
    CHECK(pool.size() == 2);
    auto f = pool.submit([] { return std::this_thread::get_id(); });
    CHECK(f.get() != std::this_thread::get_id());
    auto g = pool.submit([]() -> int { throw std::runtime_error("boom"); });
    CHECK_THROWS_WITH(g.get(), "boom");
    CHECK(WorkerPool(0).size() == 1);  // never without a thread
}

TEST_CASE("jobs run in parallel on every thread") {
    // Each job waits until all of them have started: with fewer threads
    // than jobs running at once this would never finish (bounded wait).
    constexpr int kThreads = 3;
    WorkerPool pool(kThreads);
    std::mutex m;
    std::condition_variable cv;
    int started = 0;
    bool all_met = true;
    std::set<std::thread::id> ids;
    std::vector<std::function<void()>> jobs;
    for (int i = 0; i < kThreads; ++i)
        jobs.push_back([&] {
            std::unique_lock<std::mutex> lock(m);
            ids.insert(std::this_thread::get_id());
            ++started;
            cv.notify_all();
            if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return started == kThreads; }))
                all_met = false;
        });
    pool.run_all(std::move(jobs));
    CHECK(all_met);
    CHECK(ids.size() == kThreads);
    CHECK(ids.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("run_all waits for every job, then rethrows the first failure in order") {
    WorkerPool pool(2);
    std::atomic<int> done{0};
    std::vector<std::function<void()>> jobs;
    jobs.push_back([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ++done;
    });
    jobs.push_back([] { throw std::runtime_error("second"); });
    jobs.push_back([] { throw std::logic_error("third"); });
    for (int i = 0; i < 20; ++i)
        jobs.push_back([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            ++done;
        });
    CHECK_THROWS_WITH(pool.run_all(std::move(jobs)), "second");
    CHECK(done == 21);  // none was abandoned, none still running
    pool.run_all({});   // nothing to do: returns
}

TEST_CASE("the destructor runs what is queued, then joins") {
    std::atomic<int> done{0};
    {
        WorkerPool pool(1);
        for (int i = 0; i < 10; ++i)
            pool.submit([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                ++done;
            });
    }
    CHECK(done == 10);
}

TEST_CASE("signals stay with the main thread: blocked on the pool threads") {
    WorkerPool pool(1);
    auto blocked = pool.submit([] {
        sigset_t set;
        pthread_sigmask(SIG_BLOCK, nullptr, &set);
        return sigismember(&set, SIGTERM) == 1 && sigismember(&set, SIGHUP) == 1 &&
               sigismember(&set, SIGINT) == 1;
    });
    CHECK(blocked.get());
    sigset_t here;
    pthread_sigmask(SIG_BLOCK, nullptr, &here);
    CHECK(sigismember(&here, SIGTERM) == 0);  // the creating thread's mask is restored
}
