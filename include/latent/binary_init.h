#pragma once
// `latent train --type binary --init FLOAT_MODEL`: start the binary code from the float model's
// code binarised by ITQ (Gong & Lazebnik 2011) instead of from its raw signs, which carry little
// (mAP 0.25 vs 0.49 for ITQ's bits on the deep autoencoder's 32-number codes).
#include <torch/torch.h>

#include "latent/autoencoder.h"

namespace latent {

/// With `from` a plain-code model and `to` a binary one with as many bits as `from` has code
/// numbers, and their other layers already copied: fits ITQ on from's codes of x, turns to's
/// code layer so that its logits are the centred, rotated float codes (their signs are the ITQ
/// bits), and gives to's first decoder layer the map from bits back to the float code
/// (mean + rotation · ±mean |value|). Returns false, changing nothing, when the shapes differ.
bool align_binary_code_with_itq(Autoencoder& from, Autoencoder& to, const torch::Tensor& x, uint64_t seed);

}  // namespace latent
