// RequestBatcher: concurrent calls are answered in batches, each call gets its own answer, and
// a failing batch fails its calls without stopping the next batch.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "latent/serve/request_batcher.h"

namespace latent {
namespace {

TEST(RequestBatcher, ConcurrentCallsShareBatchesAndGetTheirOwnAnswers) {
  std::atomic<int> batches{0}, largest{0};
  RequestBatcher<int, int> batcher(
      [&](std::vector<int>& inputs) {
        ++batches;
        largest = std::max(largest.load(), static_cast<int>(inputs.size()));
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // long enough for others to queue
        std::vector<int> out;
        for (int v : inputs) out.push_back(v * v);
        return out;
      },
      8);
  const int threads = 16, calls = 50;
  std::vector<std::thread> pool;
  std::atomic<int> wrong{0};
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < calls; ++i) {
        int v = t * 1000 + i;
        if (batcher.submit(v) != v * v) ++wrong;
      }
    });
  for (auto& t : pool) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LT(batches.load(), threads * calls);  // some calls were batched together
  EXPECT_GT(largest.load(), 1);
  EXPECT_LE(largest.load(), 8);  // never more than max_batch
}

TEST(RequestBatcher, AFailingBatchFailsItsCallsOnly) {
  RequestBatcher<int, int> batcher(
      [](std::vector<int>& inputs) {
        for (int v : inputs)
          if (v < 0) throw std::runtime_error("negative");
        return inputs;
      },
      4);
  EXPECT_THROW(batcher.submit(-1), std::runtime_error);
  EXPECT_EQ(batcher.submit(5), 5);
}

}  // namespace
}  // namespace latent
