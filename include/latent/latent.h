// Every public header of latent, lowest layer first: `#include "latent/latent.h"` and link the
// `latent` CMake target. scripts/check_layers.sh fails when a public header is missing here.
#pragma once

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/interrupt.h"
#include "latent/base/progress.h"
#include "latent/base/read_bytes.h"
#include "latent/base/worker_pool.h"

#include "latent/io/codec.h"
#include "latent/io/container.h"
#include "latent/io/data_source.h"
#include "latent/io/image_grid.h"
#include "latent/io/image_layout.h"
#include "latent/io/image_pixels.h"
#include "latent/io/input_profile.h"
#include "latent/io/matrix_file.h"
#include "latent/io/model_parts.h"
#include "latent/io/model_spec.h"
#include "latent/io/normalization.h"
#include "latent/io/png_inflation.h"
#include "latent/io/raw_data.h"
#include "latent/io/regularizer_spec.h"
#include "latent/io/request_head.h"
#include "latent/io/scatter_plot.h"
#include "latent/io/serve_request.h"
#include "latent/io/table_schema.h"

#include "latent/search/binary_codes.h"
#include "latent/search/code_index.h"
#include "latent/search/entry_store.h"
#include "latent/search/mutable_index.h"

#include "latent/metrics/retrieval_eval.h"
#include "latent/metrics/roc.h"

#include "latent/runtime/random_draws.h"
#include "latent/runtime/threads.h"

#include "latent/data/dataset.h"

#include "latent/model/autoencoder.h"
#include "latent/model/code_head.h"
#include "latent/model/evaluate.h"
#include "latent/model/layer_plan.h"
#include "latent/model/model_file.h"
#include "latent/model/regularizer.h"
#include "latent/model/table_loss.h"

#include "latent/train/classifier.h"
#include "latent/train/corruption.h"
#include "latent/train/data_parallel.h"
#include "latent/train/dense_gradient.h"
#include "latent/train/fused_adam.h"
#include "latent/train/gradient_engine.h"
#include "latent/train/neighbour_graph.h"
#include "latent/train/process_group.h"
#include "latent/train/stacked.h"
#include "latent/train/trainer.h"

#include "latent/eval/code_features.h"
#include "latent/eval/code_metrics.h"
#include "latent/eval/retrieval_baselines.h"
#include "latent/eval/variational_eval.h"

#include "latent/apps/anomaly.h"
#include "latent/apps/compress.h"
#include "latent/apps/generate.h"

#include "latent/serve/http_server.h"
#include "latent/serve/request_batcher.h"
#include "latent/serve/serve_api.h"
