// latent serve: the HTTP API and the drawing page (src/serve_api.cpp) on one shared model.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/io/container.h"
#include "latent/io/data_source.h"
#include "latent/io/request_head.h"
#include "latent/io/serve_request.h"
#include "latent/runtime/threads.h"
#include "latent/serve/serve_api.h"

namespace latent::cli {
namespace {

/// --token-file, else LATENT_TOKEN, else --token (which other users can read in `ps`).
std::string read_token(const std::string& token_file, const std::string& token) {
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::string line;
    if (!in || !std::getline(in, line)) throw SettingError("token file", token_file + ": cannot read a token from it");
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) throw SettingError("token file", token_file + ": the first line is empty");
    return line;
  }
  if (const char* env = std::getenv("LATENT_TOKEN"); env && *env) return env;
  return token;
}

// SIGTERM/SIGINT may land on any thread (OpenBLAS starts its own): the handler only writes the
// signal number to a pipe that one thread reads.
int g_signal_pipe[2] = {-1, -1};
extern "C" void on_stop_signal(int signal) {
  unsigned char byte = static_cast<unsigned char>(signal);
  (void)!::write(g_signal_pipe[1], &byte, 1);
}

}  // namespace

void add_serve_command(CLI::App& app) {
  struct Options {
    std::string model, index, detector, host = "127.0.0.1", token, token_file;
    bool writable = false;
    int port = 8080, threads = 0;
    bool debug = false;
    HttpLimits limits;
    size_t max_body = kMaxRequestBody;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("serve", "HTTP API and a web page to draw a digit and see what the model does");
  sub->footer(
      "Endpoints: GET /healthz, GET /api/info, POST /api/encode, /api/reconstruct, /api/search?k=10, /api/anomaly,\n"
      "/api/generate?count=8&seed=0&spread=1; the page is at /. Bodies are {\"pixels\": [...]} (0..255) or PNG bytes.\n"
      "An endpoint whose part was not given (--index, --detector, a VAE for generate) answers 404.\n"
      "SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.\n"
      "The token comes from --token-file, else the environment variable LATENT_TOKEN, else --token.\n"
      "A loopback server answers only requests whose Host names loopback (no DNS rebinding).");
  sub->add_option("--model", opt->model, "Model file (default with --index: the model the index was built with)");
  sub->add_option("--index", opt->index,
                  "Index file from `latent index build` or `latent index add` (enables /api/search)");
  sub->add_flag("--writable", opt->writable,
                "A mutable index (latent index add) takes PUT and DELETE /api/index/ID (the token guards them)");
  sub->add_option("--detector", opt->detector, "Detector file from `latent anomaly fit` (enables /api/anomaly)");
  sub->add_option("--host", opt->host, "Address to bind; anything but loopback needs --token")
      ->default_val("127.0.0.1");
  sub->add_option("--port", opt->port, "Port (0 = any free port, printed at start)")->default_val(8080);
  sub->add_option("--threads", opt->threads, "Requests computing at once, each on one core (0 = one per core)")
      ->default_val(0);
  sub->add_option("--token", opt->token,
                  "Require the header Authorization: Bearer TOKEN on /api/* (visible in ps: prefer --token-file)");
  sub->add_option("--token-file", opt->token_file, "Read the token from the first line of FILE");
  sub->add_option("--max-body", opt->max_body, "Largest request body in bytes (413 above)")
      ->default_val(kMaxRequestBody);
  sub->add_option("--max-connections", opt->limits.max_connections, "Connections served at once (503 above)")
      ->default_val(opt->limits.max_connections);
  sub->add_option("--max-connections-per-client", opt->limits.max_connections_per_client,
                  "Connections one client address may hold open (503 above)")
      ->default_val(opt->limits.max_connections_per_client);
  sub->add_option("--request-timeout", opt->limits.request_timeout,
                  "Seconds a request may take to arrive once started (408 after)")
      ->default_val(opt->limits.request_timeout);
  sub->add_option("--response-timeout", opt->limits.response_timeout,
                  "Seconds a response may take to be sent (a client reading slowly is cut off after)")
      ->default_val(opt->limits.response_timeout);
  sub->add_option("--keep-alive-timeout", opt->limits.keep_alive_timeout, "Seconds an idle connection stays open")
      ->default_val(opt->limits.keep_alive_timeout);
  sub->add_flag("--debug", opt->debug, "Internal errors and /api/info show causes and file paths");
  sub->callback([opt] {
    // First, so that a signal during loading is not lost: the waiter reads it once the server exists.
    if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0) throw Error("cannot create a pipe for signals");
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    if (opt->model.empty() && opt->index.empty()) throw Error("give a model: --model FILE (or --index FILE)");
    opt->token = read_token(opt->token_file, opt->token);
    const bool loopback = is_loopback_host(opt->host);
    if (!loopback && opt->token.empty())
      throw Error("--host " + opt->host + " is reachable from other machines: give --token TOKEN (or bind 127.0.0.1)");
    if (opt->port < 0 || opt->port > 65535) throw Error("--port must be in 0..65535");
    if (opt->threads < 0) throw Error("--threads must be >= 0");
    if (opt->limits.max_connections < 1) throw Error("--max-connections must be >= 1");
    if (opt->limits.max_connections_per_client < 1) throw Error("--max-connections-per-client must be >= 1");
    if (!(opt->limits.request_timeout > 0) || !(opt->limits.keep_alive_timeout > 0) ||
        !(opt->limits.response_timeout > 0))
      throw Error("--request-timeout, --response-timeout and --keep-alive-timeout must be > 0");
    if (opt->max_body < 1024) throw Error("--max-body must be at least 1024 bytes");
    opt->limits.head.max_body = opt->max_body;
    opt->limits.head.loopback_hosts_only = loopback;

    // glibc's malloc thresholds stay adaptive: a fixed M_MMAP_THRESHOLD also fixes the trim
    // threshold, and then every request faults in and hands back oneDNN's per-call weight buffers
    // (10x fewer requests/s, measured). Parallelism comes from concurrent requests; each runs its
    // inference on one thread.
    configure_threads(1);
    ServeParts parts;
    if (opt->writable && (opt->index.empty() || !EntryStore::is_store(opt->index)))
      throw Error("--writable needs a mutable index (--index FILE made by latent index add)");
    if (!opt->index.empty() && EntryStore::is_store(opt->index)) {
      parts.mutable_index = std::make_unique<MutableIndex>(MutableIndex::open(opt->index));
      parts.model =
          parts.mutable_index->read([&](const CodeIndex& index) { return load_model_for_index(index, opt->model); });
      parts.writable = opt->writable;
    } else if (!opt->index.empty()) {
      parts.index = CodeIndex::load(opt->index);
      parts.model = load_model_for_index(*parts.index, opt->model);
      const IndexInfo& info = parts.index->info();
      try {
        parts.indexed = indexed_data(info, parts.model);
      } catch (const Error& e) {
        std::cerr << "latent serve: no thumbnails (" << e.what() << ")\n";
      }
    } else {
      parts.model = load_model(opt->model);
    }
    if (!opt->detector.empty()) parts.detector = load_detector(opt->detector);
    const int slots = opt->threads > 0 ? opt->threads : available_cores();
    ServeApi api(std::move(parts), slots);
    HttpServer server(opt->limits);
    api.install(server, opt->token, opt->debug);

    const int port = server.bind(opt->host, opt->port);
    if (port < 0)
      throw Error("cannot listen on " + opt->host + ":" + std::to_string(opt->port) +
                  " (in use, or not an address here)");
    if (server.limits().max_connections < opt->limits.max_connections)
      std::cerr << "latent serve: --max-connections lowered to " << server.limits().max_connections
                << " (the open-file limit)\n";
    nlohmann::json endpoints = api.info()["endpoints"];
    std::cout << "latent serve: http://"
              << (opt->host.find(':') != std::string::npos ? "[" + opt->host + "]" : opt->host) << ":" << port << "/  ("
              << slots << " inference threads; endpoints " << endpoints.dump() << ")" << std::endl;

    std::thread waiter([&server] {
      unsigned char signal = 0;
      while (::read(g_signal_pipe[0], &signal, 1) < 0 && errno == EINTR) {
      }
      if (signal != 0)
        std::cerr << "latent serve: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT") << ", finishing requests in flight"
                  << std::endl;
      server.shutdown();
    });
    server.run();
    // listen returned on its own (not through a signal): wake the waiter with a 0 byte.
    const unsigned char none = 0;
    (void)!::write(g_signal_pipe[1], &none, 1);
    waiter.join();
    HttpStats s = server.stats();
    std::cerr << "latent serve: stopped after " << s.connections << " connections (" << s.rejected << " turned away, "
              << s.timed_out << " timed out)" << std::endl;
  });
}

}  // namespace latent::cli
