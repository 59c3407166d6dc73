#include "model/dense_product.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace latent {

void dense_product(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                   const float* b, int64_t ldb, float* c, int64_t ldc, float beta) {
  if (dnnl_sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc) != dnnl_success)
    throw std::runtime_error("oneDNN sgemm failed");
}

namespace {
using dnnl::memory;
using Desc = memory::desc;

dnnl::engine& engine() {
  thread_local dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
  return cpu;
}
dnnl::stream& stream() {
  thread_local dnnl::stream in_order(engine());
  return in_order;
}

// A row-major matrix's descriptor, or (transposed) that of the [cols, rows] matrix it stores.
Desc matrix(int64_t rows, int64_t cols, memory::data_type type, bool transposed) {
  return transposed ? Desc({rows, cols}, type, {1, rows}) : Desc({rows, cols}, type, {cols, 1});
}

// A thread's primitives, by shape: oneDNN's own cache would still build the descriptor each
// call. At most kKept a thread (inference sees a row count per request), then they are dropped
// (the JIT code of a shape in use stays in oneDNN's cache).
constexpr size_t kKept = 64;
template <class Key, class Primitive, class Make>
Primitive& kept(std::map<Key, Primitive>& made, const Key& key, Make&& make) {
  auto found = made.find(key);
  if (found != made.end()) return found->second;
  if (made.size() >= kKept) made.clear();
  return made.emplace(key, make()).first->second;
}

// C = A · B. Each primitive would hold its own scratch space (up to a copy of B: 800 KB for
// 784×256 floats, and a server sees a row count per request); they share the thread's one.
struct Product {
  dnnl::matmul primitive;
  size_t scratch_bytes = 0;
};
void matmul(const Desc& a, const Desc& b, const Desc& c, const void* a_data, const void* b_data, float* c_data) {
  using Key = std::array<int64_t, 9>;
  thread_local std::map<Key, Product> made;
  thread_local std::vector<char> scratch;
  const auto& a_strides = a.data.format_desc.blocking.strides;
  const auto& b_strides = b.data.format_desc.blocking.strides;
  const Key key{a.dims()[0],
                a.dims()[1],
                b.dims()[1],
                a_strides[0],
                a_strides[1],
                b_strides[0],
                b_strides[1],
                static_cast<int64_t>(a.data_type()),
                static_cast<int64_t>(b.data_type())};
  const Product& product = kept(made, key, [&] {
    dnnl::primitive_attr attributes;
    attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const dnnl::matmul::primitive_desc made_desc(dnnl::matmul::desc(a, b, c), attributes, engine());
    return Product{dnnl::matmul(made_desc), made_desc.scratchpad_desc().get_size()};
  });
  if (scratch.size() < product.scratch_bytes) scratch.resize(product.scratch_bytes);
  std::unordered_map<int, memory> arguments{{DNNL_ARG_SRC, memory(a, engine(), const_cast<void*>(a_data))},
                                            {DNNL_ARG_WEIGHTS, memory(b, engine(), const_cast<void*>(b_data))},
                                            {DNNL_ARG_DST, memory(c, engine(), c_data)}};
  if (product.scratch_bytes > 0)
    arguments.emplace(DNNL_ARG_SCRATCHPAD,
                      memory(Desc({static_cast<int64_t>(product.scratch_bytes)}, memory::data_type::u8, {1}), engine(),
                             scratch.data()));
  product.primitive.execute(stream(), arguments);
}
}  // namespace

void row_product(int64_t m, int64_t n, int64_t k, const float* rows, const float* weight, float* out) {
  matmul(matrix(m, k, memory::data_type::f32, false), matrix(k, n, memory::data_type::f32, true),
         matrix(m, n, memory::data_type::f32, false), rows, weight, out);
}

void bf16_product(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const Bf16* a, const Bf16* b, float* c) {
  matmul(matrix(m, k, memory::data_type::bf16, trans_a == 'T'), matrix(k, n, memory::data_type::bf16, trans_b == 'T'),
         matrix(m, n, memory::data_type::f32, false), a, b, c);
}

void to_bf16(const float* from, Bf16* to, int64_t n) {
  thread_local std::map<int64_t, dnnl::reorder> made;  // by n
  const Desc source({n}, memory::data_type::f32, {1}), target({n}, memory::data_type::bf16, {1});
  const dnnl::reorder& rounding =
      kept(made, n, [&] { return dnnl::reorder(dnnl::reorder::primitive_desc(engine(), source, engine(), target)); });
  memory source_memory(source, engine(), const_cast<float*>(from)), target_memory(target, engine(), to);
  rounding.execute(stream(), source_memory, target_memory);
}

}  // namespace latent
