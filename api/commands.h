// The subcommands of the `ketnoi` binary. api/main.cc parses the flags
// (CLI11 stays in that one file) and calls one Run* function; each returns
// the process exit code (0 ok, 1 runtime error, 2 bad input).
#pragma once

#include <string>

#include "common/status.h"

namespace ketnoi::api {

struct ServerOptions;
// The `serve --config FILE` reader (api/cmd_serve.cc): a JSON object whose
// keys are ServerOptions fields (docs/api.md lists them); unknown keys and
// wrong types are InvalidArgument naming the key.
Status LoadServeConfig(const std::string& path, ServerOptions* options);

struct ImportArgs {
  std::string db;
  std::string dataset_dir;
  bool skip_bad = false;
  bool no_index = false;  // skip building and saving the indexes after the import
  std::string lists = "now";  // "now": materialise every list; "later": the next serve does
};
int RunImport(const ImportArgs& args);

struct ExportArgs {
  std::string db;
  std::string out_dir;
};
int RunExport(const ExportArgs& args);

struct ServeArgs {
  std::string db;        // empty with --demo: var/demo-db
  int port = 8080;
  int threads = 0;       // 0: chosen from the hardware
  std::string config;    // optional config file
  bool demo = false;     // import data/demo at first start
  std::string bind = "127.0.0.1";
};
int RunServe(const ServeArgs& args);

struct MatchArgs {
  std::string db;
  std::string need;
  std::string kind;  // "supplier" / "expert"; empty: from the need's kind
  int k = 10;
  bool json = false;
};
int RunMatch(const MatchArgs& args);

struct LeadsArgs {
  std::string db;
  std::string supplier;  // supplier or expert id
  std::string since;
  int k = 20;
  bool json = false;
};
int RunLeads(const LeadsArgs& args);

struct EvalArgs {
  std::string dataset_dir;
  int k = 10;
  bool json = false;
  bool retrieval_only = false;  // indexer alone, no ranker
  bool ranker = false;          // BEIR-style directory through the whole pipeline
};
int RunEval(const EvalArgs& args);

struct KeysArgs {
  std::string db;
  std::string action;  // "create" / "revoke" / "list"
  std::string role;
  std::string entity;
  std::string key_id;
};
int RunKeys(const KeysArgs& args);

struct BackupArgs {
  std::string db;
  std::string out_dir;  // backup: the new directory; with `server`, its name there
  bool restore = false;
  // Online backup through a running server (POST /v1/admin/backup) instead
  // of opening `db`: "http://host:port", an admin key (or a file holding
  // it, or $KETNOI_KEY).
  std::string server;
  std::string key;
  std::string key_file;
};
int RunBackup(const BackupArgs& args);

struct ChainArgs {
  std::string db;
  std::string sector;
  std::string province;
  std::string format = "json";  // json / dot / svg
  std::string out;              // empty: stdout
};
int RunChain(const ChainArgs& args);

}  // namespace ketnoi::api
