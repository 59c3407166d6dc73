#pragma once
// LibTorch's archive reader (torch::serialize::InputArchive, a zip holding pickles and
// TorchScript source) trusts what it reads: a model file whose class source was mutated made
// its TorchScript type parser crash with SIGSEGV (fuzz_model, fuzz_checkpoint), and a pickle
// string claiming 2 GB was allocated before being read. Before any archive reaches it, this
// walks the zip's directory (every entry inside the bytes), the pickles' opcodes (every length
// inside the pickle), and allows only the class source latent's own archives contain: lines of
// the form
//   class Module(Module):
//     __parameters__ = ["weight", "bias", ]      (and __buffers__)
//     __annotations__ = []
//     __annotations__["0"] = __torch__.___torch_mangle_3.Module
//     weight : Tensor                            (str, Tensor, bool, int, float,
//                                                 Tuple[float, float], a __torch__ module)
// No torch here, so it is cheap and fuzzable on its own.
#include <string>

namespace latent {

/// Throws latent::Error("NAME: damaged model archive (...)") unless `bytes` is a zip of stored
/// entries (source may be deflated) whose pickles stay inside themselves and whose TorchScript
/// source (entries ending in .py) has only the lines above.
void check_torch_archive(const std::string& bytes, const std::string& name);

}  // namespace latent
