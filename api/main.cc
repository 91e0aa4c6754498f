// The `ketnoi` binary: flag parsing only; each subcommand lives in its own
// translation unit behind api/commands.h.
#include <CLI/CLI.hpp>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "api/commands.h"

int main(int argc, char** argv) {
  using namespace ketnoi::api;
  // Logs go to stderr: stdout carries the commands' output (tables, JSON).
  spdlog::set_default_logger(spdlog::stderr_color_mt("ketnoi"));
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=debug|info|warn|...
  CLI::App app{"ketnoi: matches rural industrial facilities with equipment suppliers and experts"};
  app.require_subcommand(1);

  ImportArgs import_args;
  auto* import_cmd = app.add_subcommand("import", "Import a dataset directory into the store");
  import_cmd->add_option("--db", import_args.db, "Store directory")->required();
  import_cmd->add_option("dataset", import_args.dataset_dir, "Dataset directory")->required();
  import_cmd->add_flag("--skip-bad", import_args.skip_bad,
                       "Store the good lines and report the bad ones (default: all or nothing)");
  import_cmd->add_flag("--no-index", import_args.no_index,
                       "Do not build and save the indexes now (the next start builds them)");
  import_cmd->add_option("--lists", import_args.lists,
                         "now: materialise every need's list before returning (default); "
                         "later: leave them to `ketnoi serve`, which recomputes them in the "
                         "background while serving")
      ->check(CLI::IsMember({"now", "later"}));

  ExportArgs export_args;
  auto* export_cmd = app.add_subcommand("export", "Export the store as a dataset directory");
  export_cmd->add_option("--db", export_args.db, "Store directory")->required();
  export_cmd->add_option("out", export_args.out_dir, "Output directory")->required();

  ServeArgs serve_args;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the HTTP API and the web page");
  serve_cmd->add_option("--db", serve_args.db, "Store directory (default with --demo: var/demo-db)");
  serve_cmd->add_option("--port", serve_args.port, "TCP port")->check(CLI::Range(0, 65535));
  serve_cmd->add_option("--bind", serve_args.bind, "Address to listen on");
  serve_cmd->add_option("--threads", serve_args.threads, "Worker threads (0: automatic)")
      ->check(CLI::Range(0, 1024));
  serve_cmd->add_option("--config", serve_args.config, "Config file (JSON)");
  serve_cmd->add_flag("--demo", serve_args.demo, "Import data/demo into the store at first start");

  MatchArgs match_args;
  auto* match_cmd = app.add_subcommand("match", "Ranked suppliers or experts for a need");
  match_cmd->add_option("--db", match_args.db, "Store directory")->required();
  match_cmd->add_option("--need", match_args.need, "Need id")->required();
  match_cmd->add_option("--kind", match_args.kind, "supplier or expert (default: from the need)")
      ->check(CLI::IsMember({"supplier", "expert"}));
  match_cmd->add_option("--k", match_args.k, "Number of results")->check(CLI::Range(1, 1000));
  match_cmd->add_flag("--json", match_args.json, "JSON output");

  LeadsArgs leads_args;
  auto* leads_cmd = app.add_subcommand("leads", "Facilities' needs for a supplier or expert");
  leads_cmd->add_option("--db", leads_args.db, "Store directory")->required();
  leads_cmd->add_option("--supplier", leads_args.supplier, "Supplier or expert id")->required();
  leads_cmd->add_option("--since", leads_args.since, "Only leads newer than this cursor");
  leads_cmd->add_option("--k", leads_args.k, "Number of results")->check(CLI::Range(1, 1000));
  leads_cmd->add_flag("--json", leads_args.json, "JSON output");

  EvalArgs eval_args;
  auto* eval_cmd = app.add_subcommand("eval", "Score matching quality on a labelled dataset");
  eval_cmd->add_option("dataset", eval_args.dataset_dir, "Dataset or BEIR-style directory")->required();
  eval_cmd->add_option("--k", eval_args.k, "Cut-off")->check(CLI::Range(1, 1000));
  eval_cmd->add_flag("--json", eval_args.json, "JSON output");
  eval_cmd->add_flag("--retrieval-only", eval_args.retrieval_only, "Score the indexer alone");
  eval_cmd->add_flag("--ranker", eval_args.ranker,
                     "On a BEIR-style directory: score the whole matching pipeline (documents as "
                     "nationwide suppliers, queries as needs of one province) instead of the "
                     "indexer alone");

  KeysArgs keys_args;
  auto* keys_cmd = app.add_subcommand("keys", "Manage API keys");
  keys_cmd->require_subcommand(1);
  auto* keys_create = keys_cmd->add_subcommand("create", "Create a key; prints it alone on stdout");
  keys_create->add_option("--db", keys_args.db, "Store directory")->required();
  keys_create->add_option("--role", keys_args.role, "Role")
      ->required()
      ->check(CLI::IsMember({"admin", "staff", "planner", "supplier"}));
  keys_create->add_option("--entity", keys_args.entity, "Supplier or expert id (supplier role)");
  auto* keys_revoke = keys_cmd->add_subcommand("revoke", "Revoke a key by its id");
  keys_revoke->add_option("--db", keys_args.db, "Store directory")->required();
  keys_revoke->add_option("key_id", keys_args.key_id, "Key id (as listed)")->required();
  auto* keys_list = keys_cmd->add_subcommand("list", "List keys (ids and roles, never secrets)");
  keys_list->add_option("--db", keys_args.db, "Store directory")->required();

  BackupArgs backup_args;
  auto* backup_cmd = app.add_subcommand(
      "backup", "Backup of the store and its indexes: of a stopped store (--db), or online "
                "through a running server (--server)");
  auto* backup_db = backup_cmd->add_option("--db", backup_args.db, "Store directory (server stopped)");
  auto* backup_server = backup_cmd->add_option(
      "--server", backup_args.server, "Running server, http://HOST:PORT (online backup)");
  backup_db->excludes(backup_server);
  backup_cmd->add_option("--key", backup_args.key, "Admin key (with --server; or $KETNOI_KEY)");
  backup_cmd->add_option("--key-file", backup_args.key_file, "File holding the admin key");
  backup_cmd
      ->add_option("out", backup_args.out_dir,
                   "Backup directory (must not exist); with --server, the backup's name in the "
                   "server's backup_dir (default: backup-<UTC time>)");
  BackupArgs restore_args;
  restore_args.restore = true;
  auto* restore_cmd = app.add_subcommand("restore", "Restore a backup into a new store directory");
  restore_cmd->add_option("backup", restore_args.out_dir, "Backup directory")->required();
  restore_cmd->add_option("--db", restore_args.db, "Store directory (must not exist)")->required();

  ChainArgs chain_args;
  auto* chain_cmd = app.add_subcommand("chain", "Value-chain map of a sector in a province");
  chain_cmd->add_option("--db", chain_args.db, "Store directory")->required();
  chain_cmd->add_option("--sector", chain_args.sector, "Chain (tea, cassava, ...)")->required();
  chain_cmd->add_option("--province", chain_args.province, "Province as written");
  chain_cmd->add_option("--format", chain_args.format, "json, dot or svg")
      ->check(CLI::IsMember({"json", "dot", "svg"}));
  chain_cmd->add_option("--out", chain_args.out, "Output file (default: stdout)");

  CLI11_PARSE(app, argc, argv);

  if (*import_cmd) return RunImport(import_args);
  if (*export_cmd) return RunExport(export_args);
  if (*serve_cmd) return RunServe(serve_args);
  if (*match_cmd) return RunMatch(match_args);
  if (*leads_cmd) return RunLeads(leads_args);
  if (*eval_cmd) return RunEval(eval_args);
  if (*keys_cmd) {
    keys_args.action = *keys_create ? "create" : *keys_revoke ? "revoke" : "list";
    return RunKeys(keys_args);
  }
  if (*backup_cmd) return RunBackup(backup_args);
  if (*restore_cmd) return RunBackup(restore_args);
  if (*chain_cmd) return RunChain(chain_args);
  return 2;
}
