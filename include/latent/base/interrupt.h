#pragma once
// Ctrl-C as a request: long work (training) stops at its next safe point, between two steps,
// with every file it wrote whole, instead of dying wherever the signal lands.
#include <stdexcept>
#include <string>

namespace latent {

/// Thrown by work that stopped because of SIGINT; the CLI prints it and exits 130.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// From now on the first SIGINT only sets a flag (interrupt_requested()); a second one
/// terminates as usual.
void catch_interrupts();
bool interrupt_requested();

}  // namespace latent
