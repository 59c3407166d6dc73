#include "model/dense_product.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <map>
#include <stdexcept>

namespace latent {

void dense_product(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                   const float* b, int64_t ldb, float* c, int64_t ldc) {
  if (dnnl_sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc) != dnnl_success)
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

// C = A · B; made once per shapes and types, per thread (oneDNN's own cache would still build
// the descriptor each call).
void matmul(const Desc& a, const Desc& b, const Desc& c, const void* a_data, const void* b_data, float* c_data) {
  using Key = std::array<int64_t, 7>;
  thread_local std::map<Key, dnnl::matmul> made;
  const Key key{a.dims()[0],
                a.dims()[1],
                b.dims()[1],
                a.data.format_desc.blocking.strides[0],
                b.data.format_desc.blocking.strides[0],
                static_cast<int64_t>(a.data_type()),
                static_cast<int64_t>(b.data_type())};
  auto [it, fresh] = made.try_emplace(key);
  if (fresh) it->second = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), engine()));
  memory a_memory(a, engine(), const_cast<void*>(a_data)), b_memory(b, engine(), const_cast<void*>(b_data)),
      c_memory(c, engine(), c_data);
  it->second.execute(stream(), {{DNNL_ARG_SRC, a_memory}, {DNNL_ARG_WEIGHTS, b_memory}, {DNNL_ARG_DST, c_memory}});
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
  auto [it, fresh] = made.try_emplace(n);
  if (fresh) it->second = dnnl::reorder(dnnl::reorder::primitive_desc(engine(), source, engine(), target));
  memory source_memory(source, engine(), const_cast<float*>(from)), target_memory(target, engine(), to);
  it->second.execute(stream(), source_memory, target_memory);
}

}  // namespace latent
