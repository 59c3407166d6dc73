#include "parallel_cli.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "latent/base/error.h"
#include "latent/base/interrupt.h"
#include "latent/base/progress.h"
#include "latent/runtime/threads.h"

namespace latent::cli {

void ParallelCli::add_to(CLI::App* app) {
  app->add_option("--replicas", options.replicas,
                  "Data-parallel replica threads in this process: each takes a shard of every batch on one core "
                  "(one intra-op thread), gradients are summed before one optimizer step. 0 (auto): one per "
                  "--threads for models trained through autograd (conv, or --engine autograd) in fp32, "
                  "in one process, without --neighbour-pull; else 1")
      ->default_val(0);
  app->add_option("--precision", options.precision,
                  "fp32 | bf16 (the passes under CPU bfloat16 autocast: matrix multiplies in bf16; weights, gradients "
                  "and Adam stay fp32)")
      ->default_val("fp32");
  app->add_option("--engine", options.engine,
                  "auto: dense models (one replica) train through latent's hand-written passes, the "
                  "batch split over --threads threads; autograd: always LibTorch autograd (same results up to "
                  "float rounding)")
      ->default_val("auto");
  app->add_option("--world-size", options.processes.world_size,
                  "Processes in a data-parallel run (c10d Gloo); every rank is started with the same flags")
      ->default_val(1);
  app->add_option("--rank", options.processes.rank, "This process's rank, 0..world-size-1; rank 0 writes all files")
      ->default_val(0);
  app->add_option("--master", master,
                  "HOST:PORT of rank 0's TCPStore rendezvous (it listens on every interface: firewall the port)")
      ->default_val("127.0.0.1:29500");
  app->add_option("--store-file", store_file,
                  "Ranks on one machine meet through this file (in a directory only you can write) instead of "
                  "--master's port; --nproc uses one of its own");
  app->add_option("--nproc", nproc,
                  "Start N local processes (ranks 0..N-1 on loopback, each with --threads cores/N unless given, and "
                  "pinned to cores/N cores of its own when there are at least N) "
                  "and wait for them; 0 = this process only")
      ->default_val(0);
  app->add_option("--timeout", timeout_seconds,
                  "Seconds a rank waits for the others (rendezvous, each all-reduce) before failing")
      ->default_val(20);
}

void ParallelCli::apply() {
  options.processes.master = master;
  options.processes.store_file = store_file;
  options.processes.timeout = std::chrono::seconds(timeout_seconds);
  options.validate();
  if (options.processes.world_size > 1 && store_file.empty()) parse_host_port(master);
  if (options.processes.rank > 0) set_quiet(true);
}

namespace {
// This process's own command line, as the kernel has it.
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

// The ranks a SIGTERM to the launcher is passed on to (set once they are started).
const pid_t* running_ranks = nullptr;
size_t running_rank_count = 0;
extern "C" void stop_ranks(int) {
  for (size_t i = 0; i < running_rank_count; ++i) kill(running_ranks[i], SIGTERM);
}

// A directory only this user can enter (mkdtemp makes it 0700), removed with its contents.
struct PrivateDirectory {
  std::string path;
  PrivateDirectory() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/latent-nproc-XXXXXX";
    if (!mkdtemp(pattern.data())) throw Error("--nproc: cannot create a private directory in " + pattern);
    path = pattern;
  }
  ~PrivateDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  PrivateDirectory(const PrivateDirectory&) = delete;
  PrivateDirectory& operator=(const PrivateDirectory&) = delete;
};
}  // namespace

bool ParallelCli::launch() {
  if (nproc == 0) return false;
  if (nproc < 1 || nproc > 256) throw Error("--nproc must be in 0..256");
  if (options.processes.world_size != 1)
    throw Error("--nproc starts its own ranks; do not combine it with --world-size");
  std::vector<std::string> args;
  bool threads_given = false;
  std::vector<std::string> own = own_arguments();
  for (size_t i = 0; i < own.size(); ++i) {
    // The launcher's own flags, and the rendezvous it chooses itself.
    bool dropped = false;
    for (const char* flag : {"--nproc", "--master", "--store-file"}) {
      if (own[i] == flag) {
        ++i;  // and its value
        dropped = true;
      } else if (own[i].rfind(std::string(flag) + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (dropped) continue;
    if (own[i] == "--threads" || own[i].rfind("--threads=", 0) == 0) threads_given = true;
    args.push_back(own[i]);
  }
  const PrivateDirectory rendezvous;
  args.insert(args.end(), {"--world-size", std::to_string(nproc), "--store-file", rendezvous.path + "/store"});
  if (!threads_given) args.insert(args.end(), {"--threads", std::to_string(std::max(1, available_cores() / nproc))});

  // With a core or more per rank, each rank gets its own cores: unpinned, two ranks' compute and
  // Gloo threads were seen sharing one core (all-reduce waits 3.6 ms/step instead of 2.4).
  std::vector<int> cores;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &allowed)) cores.push_back(cpu);
  const bool pin = static_cast<int>(cores.size()) >= nproc;
  std::vector<pid_t> children;
  for (int rank = 0; rank < nproc; ++rank) {
    std::vector<std::string> child_args = args;
    child_args.insert(child_args.end(), {"--rank", std::to_string(rank)});
    std::vector<char*> argv;
    for (auto& a : child_args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) throw Error("--nproc: fork failed");
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // a killed launcher takes its ranks along
      if (pin) {
        cpu_set_t own;
        CPU_ZERO(&own);
        const size_t per_rank = cores.size() / static_cast<size_t>(nproc);
        for (size_t i = per_rank * static_cast<size_t>(rank); i < per_rank * static_cast<size_t>(rank + 1); ++i)
          CPU_SET(cores[i], &own);
        sched_setaffinity(0, sizeof own, &own);
      }
      execv("/proc/self/exe", argv.data());
      _exit(127);
    }
    children.push_back(pid);
  }
  // Ctrl-C reaches every rank (one process group): they stop between steps and say where their
  // checkpoint is; the launcher waits for that instead of dying first.
  std::signal(SIGINT, SIG_IGN);
  // A launcher stopped by SIGTERM passes it on and stays to remove the rendezvous directory.
  running_ranks = children.data();
  running_rank_count = children.size();
  std::signal(SIGTERM, stop_ranks);
  bool interrupted = false;
  // The first rank to fail decides the outcome; the rest are stopped rather than left waiting
  // for their timeout.
  std::string failure;
  for (size_t remaining = children.size(); remaining > 0; --remaining) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    interrupted = interrupted || (WIFEXITED(status) && WEXITSTATUS(status) == 130);
    if (ok || !failure.empty()) continue;
    int rank = static_cast<int>(std::find(children.begin(), children.end(), pid) - children.begin());
    failure = "rank " + std::to_string(rank) + " " +
              (WIFEXITED(status) ? "exited with code " + std::to_string(WEXITSTATUS(status))
                                 : "was killed by signal " + std::to_string(WTERMSIG(status)));
    for (pid_t other : children)
      if (other != pid) kill(other, SIGTERM);
  }
  // The ranks are gone and `children` is about to be: the handler must not reach them any more.
  std::signal(SIGTERM, SIG_DFL);
  running_rank_count = 0;
  if (interrupted) throw Interrupted("--nproc " + std::to_string(nproc) + ": interrupted (see rank 0's line)");
  if (!failure.empty()) throw Error("--nproc " + std::to_string(nproc) + ": " + failure);
  return true;
}

bool ParallelCli::attach(Trainer& trainer) const {
  std::unique_ptr<GradientEngine> engine = make_gradient_engine(trainer.model(), options);
  engine->synchronize(trainer.optimizer());
  const bool writer = engine->writer();
  trainer.set_engine(std::move(engine));
  return writer;
}

}  // namespace latent::cli
