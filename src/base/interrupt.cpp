#include "latent/base/interrupt.h"

#include <atomic>
#include <csignal>

namespace latent {
namespace {

std::atomic<bool> g_requested{false};

extern "C" void on_interrupt(int) {
  g_requested.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C stops a run that does not reach a safe point
}

}  // namespace

void catch_interrupts() { std::signal(SIGINT, on_interrupt); }

bool interrupt_requested() { return g_requested.load(); }

}  // namespace latent
